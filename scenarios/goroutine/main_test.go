// Tests of the goroutine probe: the measurement, the command line and the atomic write.
package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func TestMeasureCountsEveryParkedGoroutine(t *testing.T) {
	got := measure(2000)
	if !got.Available || got.Goroutines != 2000 || got.GoVersion == "" {
		t.Fatalf("measure(2000) = %+v", got)
	}
	// Every goroutine has a stack of its own, at least the runtime's minimum (2 KiB in go1.19).
	if got.StackBytesPerGoroutine < 2048 {
		t.Errorf("stack bytes per goroutine = %v, want at least 2048", got.StackBytesPerGoroutine)
	}
	if got.HeapBytesPerGoroutine <= 0 {
		t.Errorf("heap bytes per goroutine = %v, want > 0 (the goroutine descriptor)", got.HeapBytesPerGoroutine)
	}
	if got.BytesPerGoroutine != got.StackBytesPerGoroutine+got.HeapBytesPerGoroutine {
		t.Errorf("bytes per goroutine %v is not stack %v + heap %v",
			got.BytesPerGoroutine, got.StackBytesPerGoroutine, got.HeapBytesPerGoroutine)
	}
}

func TestRunWritesTheResultsFormat(t *testing.T) {
	output := filepath.Join(t.TempDir(), "goroutine.json")
	var stdout, stderr bytes.Buffer
	if status := run([]string{"-goroutines", "500", output}, &stdout, &stderr); status != 0 {
		t.Fatalf("run returned %d: %s", status, stderr.String())
	}
	data, err := os.ReadFile(output)
	if err != nil {
		t.Fatal(err)
	}
	var parsed map[string]any
	if err := json.Unmarshal(data, &parsed); err != nil {
		t.Fatalf("%s is not JSON: %v", output, err)
	}
	for _, key := range []string{"available", "go_version", "goroutines", "bytes_per_goroutine", "method"} {
		if _, found := parsed[key]; !found {
			t.Errorf("goroutine.json has no %q", key)
		}
	}
	if parsed["goroutines"] != float64(500) {
		t.Errorf("goroutines = %v, want 500", parsed["goroutines"])
	}
	entries, _ := os.ReadDir(filepath.Dir(output))
	if len(entries) != 1 {
		t.Errorf("the output directory holds %d entries, want only goroutine.json (no temporary left)", len(entries))
	}
}

func TestRunRejectsBadArguments(t *testing.T) {
	for _, args := range [][]string{{"-goroutines", "0"}, {"-goroutines", "x"}, {"a.json", "b.json"}, {"-bogus"}} {
		var stdout, stderr bytes.Buffer
		if status := run(args, &stdout, &stderr); status != 2 {
			t.Errorf("run(%q) = %d, want 2", args, status)
		}
		if stderr.Len() == 0 {
			t.Errorf("run(%q) printed no error", args)
		}
	}
}

func TestRunFailsWithoutLeavingAFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-directory", "goroutine.json")
	var stdout, stderr bytes.Buffer
	if status := run([]string{"-goroutines", "10", missing}, &stdout, &stderr); status != 1 {
		t.Fatalf("run into a missing directory = %d, want 1", status)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("%s exists after a failed write", missing)
	}
}

func TestHelpExitsZero(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if status := run([]string{"-help"}, &stdout, &stderr); status != 0 {
		t.Errorf("run(-help) = %d, want 0", status)
	}
}
