package s3blob

import (
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		url  string
		want Config
	}{
		{"s3://photos", Config{Bucket: "photos", Endpoint: DefaultEndpoint}},
		{"s3://photos/site/media/?region=eu-west-1", Config{Bucket: "photos", Prefix: "site/media", Endpoint: DefaultEndpoint, Region: "eu-west-1"}},
		{"s3://b/p?endpoint=127.0.0.1:7070&insecure=1", Config{Bucket: "b", Prefix: "p", Endpoint: "127.0.0.1:7070", Insecure: true}},
		{"s3://b?endpoint=http://minio.internal:9000/", Config{Bucket: "b", Endpoint: "minio.internal:9000", Insecure: true}},
		{"s3://b?endpoint=https://s3.example.net", Config{Bucket: "b", Endpoint: "s3.example.net"}},
	}
	for _, tt := range tests {
		got, err := ParseURL(tt.url)
		if err != nil || got != tt.want {
			t.Errorf("ParseURL(%q) = %+v %v, want %+v", tt.url, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "photos", "http://photos/", "s3:///prefix", "s3://b?endpoint=", "s3://b?insecure=maybe",
		"s3://b?secret=x", "s3://b?endpoint=h/x", "s3://AKIA:topsecret@b/p"} {
		_, err := ParseURL(bad)
		if err == nil {
			t.Errorf("ParseURL(%q): no error", bad)
			continue
		}
		if strings.Contains(err.Error(), "topsecret") {
			t.Errorf("ParseURL(%q): %v, which repeats the secret", bad, err)
		}
	}
}
