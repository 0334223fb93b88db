// Command ferretdb-launcher runs FerretDB 1.x with its SQLite backend as rficrawl's embedded
// MongoDB-wire server.
//
// Why a launcher: `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.x` builds a binary
// that panics at start, because release builds generate build/version/version.txt and the module
// does not ship it. FerretDB's supported way to run it from Go is its embeddable package, which
// this program wraps with a few flags and a clean shutdown on SIGTERM/SIGINT. build.sh builds it
// against FerretDB's source with the fixes in patches/ applied (see there).
//
// Usage: ferretdb-launcher -listen-addr 127.0.0.1:27017 -data-dir ./data/mongo [-exit-with-pid PID]
// [-cache-mib 64] [-gc-percent 400] [-planner=false]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	addr := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on (host:port)")
	dataDir := flag.String("data-dir", "data/mongo", "directory of the SQLite files (one per database)")
	logLevel := flag.String("log-level", "warn", "log level: debug, info, warn or error")
	exitWith := flag.Int("exit-with-pid", 0, "stop when the process with this PID is gone (0: never)")
	synchronous := flag.String("synchronous", "normal",
		"SQLite synchronous mode: normal (WAL commits without fsync; safe against a crash of the "+
			"server, not of the machine) or full (fsync every commit, much slower)")
	cacheMiB := flag.Int("cache-mib", 64,
		"SQLite page cache of each connection, in MiB (filled only as pages are read): it holds the "+
			"indexes' key tables of a large archive, which SQLite's default of 2 MiB reads again "+
			"from the file, page by page, at every count or listing")
	sqliteParams := flag.String("sqlite-params", "", "extra SQLite URI parameters, e.g. _pragma=mmap_size(1073741824)")
	gcPercent := flag.Int("gc-percent", 400,
		"Go's GOGC: the heap grows this many percent over the live data before a collection. "+
			"At Go's default of 100, garbage collection took about a sixth of the server's CPU in a "+
			"listing (each document is decoded from JSON and encoded to BSON); 400 made a listing "+
			"of 100 whole articles about a quarter faster for about 35 MB more memory at its peak. "+
			"The GOGC environment variable, when set, wins")
	planner := flag.Bool("planner", true,
		"answer queries, sorts and counts from indexes; false reads and filters every document "+
			"(indexes are still kept up to date): the reference answers for tests")
	flag.Parse()

	if *cacheMiB < 1 {
		fmt.Fprintf(os.Stderr, "ferretdb-launcher: -cache-mib %d: must be at least 1\n", *cacheMiB)
		os.Exit(1)
	}

	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(*gcPercent)
	}

	params := fmt.Sprintf("_pragma=cache_size(%d)", -*cacheMiB*1024)
	if *sqliteParams != "" {
		params += "&" + *sqliteParams
	}

	if err := run(*addr, *dataDir, *logLevel, *synchronous, params, *exitWith, *planner); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb-launcher: %s\n", err)
		os.Exit(1)
	}
}

func run(addr, dataDir, logLevel, synchronous, sqliteParams string, exitWith int, planner bool) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return fmt.Errorf("-log-level %q: %w", logLevel, err)
	}
	if synchronous != "normal" && synchronous != "full" {
		return fmt.Errorf("-synchronous %q: must be normal or full", synchronous)
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return fmt.Errorf("-listen-addr %q: %w", addr, err)
	}

	// The SQLite backend wants an existing directory, given as a file: URI ending with a slash.
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		return fmt.Errorf("-data-dir %q: %w", dataDir, err)
	}
	if err = os.MkdirAll(abs, 0o755); err != nil {
		return fmt.Errorf("-data-dir %q: %w", dataDir, err)
	}

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: addr},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: sqliteURL(abs, synchronous, sqliteParams),

		DisablePushdown: !planner,
	})
	if err != nil {
		return fmt.Errorf("starting FerretDB on %s with data in %s: %w", addr, abs, err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	if exitWith > 0 {
		go watchProcess(ctx, exitWith, stop)
	}

	fmt.Fprintf(os.Stderr, "ferretdb-launcher: serving %s (data in %s)\n", addr, abs)

	return f.Run(ctx)
}

// watchProcess calls stop once the process pid has gone, so that a test run or a script killed
// without cleanup does not leave its server running.
func watchProcess(ctx context.Context, pid int, stop context.CancelFunc) {
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()

	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
				fmt.Fprintf(os.Stderr, "ferretdb-launcher: process %d is gone, stopping\n", pid)
				stop()

				return
			}
		}
	}
}

// sqliteURL is the SQLite backend's directory URI: a file: URI ending with a slash, then parameters.
func sqliteURL(dir, synchronous, extra string) string {
	u := "file:" + dir + "/?_pragma=synchronous(" + synchronous + ")"
	if extra != "" {
		u += "&" + extra
	}

	return u
}
