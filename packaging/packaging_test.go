// Package packaging_test exercises the sample configurations in this directory: the
// systemd unit through systemd-analyze verify, and the nginx configuration through
// nginx -t and real requests through nginx to indiepub.
package packaging_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/indiepub/indiepub/indieauth"
	"github.com/indiepub/indiepub/internal/doctor"
	"github.com/indiepub/indiepub/internal/media/mediatest"
	"github.com/indiepub/indiepub/internal/server"
	"github.com/indiepub/indiepub/internal/servertest"
)

// tool finds a program this test needs: without it the test skips locally with how to
// get it, and fails under CI=true, where .ci/run installs it.
func tool(t *testing.T, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	for _, dir := range []string{"/usr/sbin", "/sbin"} { // not on every user's PATH
		if p := filepath.Join(dir, name); fileExists(p) {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is missing under CI=true: .ci/run installs Debian's %s", name, pkg)
	}
	t.Skipf("%s not found: apt-get install %s (or run .ci/run) to check the sample configuration", name, pkg)
	return ""
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// replaceAll applies old/new pairs to text, failing when an old one is not there, so that
// the test and the sample cannot drift apart unnoticed.
func replaceAll(t *testing.T, text string, pairs ...string) string {
	t.Helper()
	for i := 0; i < len(pairs); i += 2 {
		if !strings.Contains(text, pairs[i]) {
			t.Fatalf("the sample no longer contains %q", pairs[i])
		}
		text = strings.ReplaceAll(text, pairs[i], pairs[i+1])
	}
	return text
}

// TestSystemdUnit runs systemd-analyze verify on the unit, its ExecStart pointed at an
// executable that exists here.
func TestSystemdUnit(t *testing.T) {
	analyze := tool(t, "systemd-analyze", "systemd")
	unit, err := os.ReadFile("indiepub.service")
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	text := replaceAll(t, string(unit), "ExecStart=/usr/local/bin/indiepub ", "ExecStart="+self+" ")
	for _, want := range []string{"DynamicUser=yes", "ProtectSystem=strict", "ReadWritePaths=/var/lib/indiepub",
		"NoNewPrivileges=yes", "PrivateTmp=yes", "--data /var/lib/indiepub"} {
		if !strings.Contains(text, want) {
			t.Errorf("the unit lacks %s", want)
		}
	}
	path := filepath.Join(t.TempDir(), "indiepub.service")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// freePort returns a loopback address that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestNginx starts the sample nginx configuration (its listen addresses, certificate and
// upstream replaced by loopback ones) in front of a real indiepub, checks nginx -t, then
// publishes through nginx with the Authorization header, gets a media file served by
// nginx from the data directory, and runs the doctor through it.
func TestNginx(t *testing.T) {
	srv, base := startNginx(t)

	// A create through nginx, the token in the Authorization header.
	tok := srv.IssueToken(t, "create media delete")
	req, _ := http.NewRequest("POST", base+"/micropub", strings.NewReader("h=entry&content=through+nginx"))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || !strings.HasPrefix(resp.Header.Get("Location"), base+"/") {
		t.Fatalf("POST /micropub through nginx: %d %q, want 201 and a Location under %s", resp.StatusCode, resp.Header.Get("Location"), base)
	}
	if resp.Header.Get("X-Request-Id") == "" {
		t.Errorf("no X-Request-Id through nginx")
	}

	// An upload through nginx, then the file served by nginx itself from the data
	// directory (indiepub would add an X-Request-Id), with indiepub's headers.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "photo.png")
	fw.Write(mediatest.Image(t, "png", 7))
	mw.Close()
	req, _ = http.NewRequest("POST", base+"/media", &body)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	file := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusCreated || !strings.HasPrefix(file, base+"/media/") {
		t.Fatalf("POST /media through nginx: %d %q", resp.StatusCode, file)
	}
	if resp, err = http.Get(file); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Request-Id") != "" ||
		resp.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" ||
		resp.Header.Get("Content-Type") != "image/png" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("GET %s through nginx: %d %v, want the file from nginx with indiepub's headers", file, resp.StatusCode, resp.Header)
	}

	// The doctor through nginx: everything but plain http and the missing Webmention
	// endpoint passes, the upload included.
	r := doctor.Run(context.Background(), doctor.Options{URL: base + "/", Token: tok, DataDir: srv.Cfg.DataDir,
		Client: indieauth.NewClient(indieauth.FetchOptions{AllowPrivate: true})})
	if !r.OK {
		t.Errorf("doctor through nginx: %+v", r.Findings)
	}
	for _, f := range r.Findings {
		if f.Check == "authorization" && f.Status != doctor.Pass || f.Check == "media" && f.Status != doctor.Pass {
			t.Errorf("doctor through nginx: %s %s %q", f.Check, f.Status, f.Message)
		}
	}
}

// startNginx starts the sample nginx configuration in front of a real indiepub, its
// listen addresses, certificate and upstream replaced by loopback ones, and edit's
// old/new pairs applied on top; it checks nginx -t and returns indiepub and nginx's URL.
func startNginx(t *testing.T, edit ...string) (*servertest.Server, string) {
	t.Helper()
	nginx := tool(t, "nginx", "nginx")
	sample, err := os.ReadFile("nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	front, redirect := freePort(t), freePort(t)
	srv := servertest.New(t, func(c *server.Config) { c.URL = "http://" + front + "/" })
	dir := t.TempDir()
	site := replaceAll(t, string(sample), append([]string{
		"listen 80;", "listen " + redirect + ";",
		"listen [::]:80;", "",
		"listen 443 ssl http2;", "listen " + front + ";",
		"listen [::]:443 ssl http2;", "",
		"ssl_certificate     /etc/letsencrypt/live/example.com/fullchain.pem;", "",
		"ssl_certificate_key /etc/letsencrypt/live/example.com/privkey.pem;", "",
		"proxy_pass http://127.0.0.1:8080;", "proxy_pass " + srv.URL + ";",
		"root /var/lib/indiepub/data;", "root " + srv.Cfg.DataDir + ";",
	}, edit...)...)
	os.WriteFile(filepath.Join(dir, "indiepub.conf"), []byte(site), 0o644)
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;" // workers read the test's private temporary directories
	}
	main := fmt.Sprintf(`%s
daemon off;
master_process on;
worker_processes 1;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log warn;
events { worker_connections 64; }
http {
    access_log %[2]s/access.log;
    client_body_temp_path %[2]s/body;
    proxy_temp_path %[2]s/proxy;
    fastcgi_temp_path %[2]s/fastcgi;
    uwsgi_temp_path %[2]s/uwsgi;
    scgi_temp_path %[2]s/scgi;
    include %[2]s/indiepub.conf;
}
`, user, dir)
	conf := filepath.Join(dir, "nginx.conf")
	os.WriteFile(conf, []byte(main), 0o644)
	args := []string{"-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", conf}
	if out, err := exec.Command(nginx, append([]string{"-t"}, args...)...).CombinedOutput(); err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}
	cmd := exec.Command(nginx, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt) // fast shutdown of the master and its worker
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
		}
	})
	base := "http://" + front
	waitFor(t, base+"/healthz", dir)
	return srv, base
}

// TestNginxStrippingAuthorization: the doctor, run through the sample nginx
// configuration broken the most common way (a proxy that clears the Authorization
// header), fails the authorization check and says so, where the sample passes it.
func TestNginxStrippingAuthorization(t *testing.T) {
	srv, base := startNginx(t, "proxy_set_header Host $host;", "proxy_set_header Host $host;\n        proxy_set_header Authorization \"\";")
	tok := srv.IssueToken(t, "create media")
	r := doctor.Run(context.Background(), doctor.Options{URL: base + "/", Token: tok, DataDir: srv.Cfg.DataDir,
		Client: indieauth.NewClient(indieauth.FetchOptions{AllowPrivate: true})})
	if r.OK {
		t.Errorf("doctor through an nginx that strips Authorization: OK, want a failure")
	}
	var found bool
	for _, f := range r.Findings {
		if f.Check == "authorization" {
			found = true
			if f.Status != doctor.Fail || !strings.Contains(strings.ToLower(f.Message+f.Fix), "authorization") {
				t.Errorf("authorization check through a stripping nginx: %s %q %q, want a failure naming the header", f.Status, f.Message, f.Fix)
			}
		}
	}
	if !found {
		t.Errorf("no authorization check in %+v", r.Findings)
	}
}

// waitFor waits until url answers 200 through nginx.
func waitFor(t *testing.T, url, dir string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
	t.Fatalf("nginx never answered %s with 200; error.log:\n%s", url, log)
}

// TestSystemdBackupTimer runs systemd-analyze verify on the backup service and its timer,
// the service's ExecStart pointed at an executable that exists here; the service runs as
// the server's user on the server's data directory.
func TestSystemdBackupTimer(t *testing.T) {
	analyze := tool(t, "systemd-analyze", "systemd")
	service, err := os.ReadFile("indiepub-backup.service")
	if err != nil {
		t.Fatal(err)
	}
	timer, err := os.ReadFile("indiepub-backup.timer")
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	text := replaceAll(t, string(service), "exec /usr/local/bin/indiepub backup ", "exec "+self+" backup ")
	for _, want := range []string{"Type=oneshot", "DynamicUser=yes", "User=indiepub", "StateDirectory=indiepub indiepub-backups",
		"--data /var/lib/indiepub ", "/var/lib/indiepub-backups/site-$(date +%%a).tar.gz", "ProtectSystem=strict", "PrivateNetwork=yes"} {
		if !strings.Contains(text, want) {
			t.Errorf("the backup service lacks %s", want)
		}
	}
	for _, want := range []string{"OnCalendar=", "Persistent=true", "WantedBy=timers.target"} {
		if !bytes.Contains(timer, []byte(want)) {
			t.Errorf("the timer lacks %s", want)
		}
	}
	// The server's unit names the same data directory.
	if unit, _ := os.ReadFile("indiepub.service"); !bytes.Contains(unit, []byte("--data /var/lib/indiepub ")) {
		t.Error("indiepub.service no longer serves /var/lib/indiepub, which the backup reads")
	}
	dir := t.TempDir()
	paths := []string{filepath.Join(dir, "indiepub-backup.service"), filepath.Join(dir, "indiepub-backup.timer")}
	if err := os.WriteFile(paths[0], []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(paths[1], timer, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, append([]string{"verify"}, paths...)...).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
