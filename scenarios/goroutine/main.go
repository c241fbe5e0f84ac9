// Command goroutine measures what a parked goroutine costs, for claim C1 of vtbench
// ("a goroutine starts with at least 2 KB of stack"): it parks N goroutines on a channel
// receive, reads runtime.MemStats after runtime.GC() before and after, releases them,
// and writes goroutine.json (docs/results-format.md) to stdout or to the file named.
//
//	go run main.go [-goroutines N] [OUTPUT.json]
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
)

const defaultGoroutines = 100000

// result is goroutine.json.
type result struct {
	Available              bool    `json:"available"`
	GoVersion              string  `json:"go_version"`
	Goroutines             int     `json:"goroutines"`
	BytesPerGoroutine      float64 `json:"bytes_per_goroutine"`
	StackBytesPerGoroutine float64 `json:"stack_bytes_per_goroutine"`
	HeapBytesPerGoroutine  float64 `json:"heap_bytes_per_goroutine"`
	Method                 string  `json:"method"`
}

// config is what the command line asks for; output "" means stdout.
type config struct {
	goroutines int
	output     string
}

// usageError is a bad command line (exit status 2).
type usageError struct{ message string }

func (e usageError) Error() string { return e.message }

func parseArgs(args []string, stderr io.Writer) (config, error) {
	flags := flag.NewFlagSet("goroutine", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() {
		fmt.Fprintf(stderr, "usage: goroutine [-goroutines N] [OUTPUT.json]\n\n"+
			"Parks N goroutines on a channel, measures the memory each holds (runtime.MemStats after\n"+
			"runtime.GC(): StackInuse and HeapAlloc growth) and writes goroutine.json to OUTPUT.json\n"+
			"(written to a temporary file, then renamed) or to stdout.\n\n")
		flags.PrintDefaults()
	}
	goroutines := flags.Int("goroutines", defaultGoroutines, "goroutines parked at once")
	if err := flags.Parse(args); err != nil {
		return config{}, err
	}
	if *goroutines <= 0 {
		return config{}, usageError{"-goroutines must be a positive integer, got " + strconv.Itoa(*goroutines)}
	}
	if flags.NArg() > 1 {
		return config{}, usageError{fmt.Sprintf("expected at most one OUTPUT.json argument, got %d", flags.NArg())}
	}
	return config{goroutines: *goroutines, output: flags.Arg(0)}, nil
}

func growth(after, before uint64) float64 { return float64(after) - float64(before) }

// measure parks n goroutines on a channel receive and returns what they hold.
func measure(n int) result {
	release := make(chan struct{})
	var started, finished sync.WaitGroup
	started.Add(n)
	finished.Add(n)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := 0; i < n; i++ {
		go func() {
			started.Done()
			<-release
			finished.Done()
		}()
	}
	started.Wait()
	runtime.GC()
	runtime.ReadMemStats(&after)
	close(release)
	finished.Wait()

	stack := growth(after.StackInuse, before.StackInuse) / float64(n)
	heap := growth(after.HeapAlloc, before.HeapAlloc) / float64(n)
	return result{
		Available:              true,
		GoVersion:              runtime.Version(),
		Goroutines:             n,
		BytesPerGoroutine:      stack + heap,
		StackBytesPerGoroutine: stack,
		HeapBytesPerGoroutine:  heap,
		Method: fmt.Sprintf("runtime.MemStats read after runtime.GC() before and while %d goroutines are parked "+
			"on a channel receive: (StackInuse + HeapAlloc) growth divided by the goroutines", n),
	}
}

// writeAtomically writes data to a temporary file beside path, then renames it to path.
func writeAtomically(path string, data []byte) error {
	file, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp.*")
	if err != nil {
		return err
	}
	_, err = file.Write(data)
	if closeErr := file.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Rename(file.Name(), path)
	}
	if err != nil {
		os.Remove(file.Name())
	}
	return err
}

func run(args []string, stdout, stderr io.Writer) int {
	cfg, err := parseArgs(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		var usage usageError
		if errors.As(err, &usage) {
			fmt.Fprintf(stderr, "goroutine: %s (see -help)\n", usage.message)
		}
		return 2
	}
	data, err := json.MarshalIndent(measure(cfg.goroutines), "", "  ")
	if err != nil {
		fmt.Fprintf(stderr, "goroutine: %v\n", err)
		return 1
	}
	data = append(data, '\n')
	if cfg.output == "" {
		if _, err := stdout.Write(data); err != nil {
			fmt.Fprintf(stderr, "goroutine: %v\n", err)
			return 1
		}
		return 0
	}
	if err := writeAtomically(cfg.output, data); err != nil {
		fmt.Fprintf(stderr, "goroutine: cannot write %s: %v\n", cfg.output, err)
		return 1
	}
	return 0
}

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }
