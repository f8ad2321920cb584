package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/indiepub/indiepub/internal/owner"
)

// runPasswd sets the owner's password. From a terminal it prompts twice with echo off;
// otherwise (a script, a pipe) it reads the first line of standard input.
func runPasswd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	var o options
	if _, err := parseFlags("passwd [flags]", &o, args, stdout, stderr); err != nil {
		return err
	}
	pw, err := readPassword(stdin, stderr)
	if err != nil {
		return err
	}
	hash, err := owner.HashPassword(pw)
	if err != nil {
		return fmt.Errorf("passwd: %w", err)
	}
	db, err := o.openDB(ctx, newLogger(o.logJSON, o.debug, stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.SetOwnerPassword(ctx, hash, time.Now()); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "password set; every signed-in browser has been signed out")
	return nil
}

func readPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	f, ok := stdin.(*os.File)
	if !ok || !isTerminal(f) {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("passwd: read standard input: %w", err)
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	r := bufio.NewReader(f)
	fmt.Fprint(stderr, "New password: ")
	first, err := readSilently(f, r)
	if err != nil {
		return "", err
	}
	fmt.Fprint(stderr, "\nAgain: ")
	second, err := readSilently(f, r)
	fmt.Fprintln(stderr)
	if err != nil {
		return "", err
	}
	if first != second {
		return "", fmt.Errorf("passwd: the two passwords differ")
	}
	return first, nil
}

// isTerminal reports whether f is a character device, as a terminal is.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// readSilently reads a line with the terminal's echo turned off through stty, where
// available, so the password does not appear on screen.
func readSilently(f *os.File, r *bufio.Reader) (string, error) {
	if err := stty(f, "-echo"); err == nil {
		defer stty(f, "echo")
	}
	line, err := r.ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("passwd: read password: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func stty(f *os.File, arg string) error {
	cmd := exec.Command("stty", arg)
	cmd.Stdin = f
	return cmd.Run()
}
