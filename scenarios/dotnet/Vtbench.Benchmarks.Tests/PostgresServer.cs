// A private PostgreSQL server for the service tests: scripts/pg_server.py's own, started into a
// fresh directory under /tmp that the server's user can reach, and stopped (its directory
// removed) at Dispose. Every command is bounded in time. The service program runs as a child
// process (ServiceProcess) with the server's PG* variables.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text.Json;

namespace Vtbench.Benchmarks.Tests;

public sealed class PostgresServer : IDisposable
{
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(120);
    public const string Python = "/usr/bin/python3";

    private readonly string _base;

    public PostgresServer()
    {
        _base = Path.Combine("/tmp", "vtb-dotnet-test-" + Guid.NewGuid().ToString("N")[..12]);
        // The server's user must reach it: rwxr-xr-x (the tests run on Linux only, as the server does).
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("the service tests need Linux");
        System.IO.Directory.CreateDirectory(_base, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                                                   UnixFileMode.GroupRead | UnixFileMode.GroupExecute |
                                                   UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        ServerDirectory = Path.Combine(_base, "pg");
        var (exit, stdout, stderr) = ServiceProcess.Run(Python, [PgServer, "start", ServerDirectory], null, CommandTimeout);
        if (exit != 0)
        {
            System.IO.Directory.Delete(_base, recursive: true);
            throw new InvalidOperationException(
                $"pg_server.py start failed (exit {exit}; PostgreSQL 15 is needed: run_all.sh installs it): {stderr.Trim()}");
        }
        using JsonDocument line = JsonDocument.Parse(stdout.Trim());
        Environment = new Dictionary<string, string>
        {
            ["PGHOST"] = line.RootElement.GetProperty("socket_dir").GetString()!,
            ["PGPORT"] = line.RootElement.GetProperty("port").GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PGDATABASE"] = line.RootElement.GetProperty("dbname").GetString()!,
            ["PGUSER"] = line.RootElement.GetProperty("user").GetString()!,
        };
    }

    public static string Repository { get; } = FindRepository();
    public static string PgServer => Path.Combine(Repository, "scripts", "pg_server.py");

    public string ServerDirectory { get; }
    public IReadOnlyDictionary<string, string> Environment { get; }

    /// <summary>SIGKILL every process of the server (pg_server.kill_server_processes).</summary>
    public void Kill()
    {
        string code = "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); import pg_server; " +
                      "pg_server.kill_server_processes(Path(sys.argv[2]) / 'data')";
        var (exit, _, stderr) = ServiceProcess.Run(
            Python, ["-c", code, Path.Combine(Repository, "scripts"), ServerDirectory], null, CommandTimeout);
        if (exit != 0) throw new InvalidOperationException($"could not kill the server: {stderr.Trim()}");
    }

    /// <summary>Runs SQL on the server (pg_server.psql).</summary>
    public void Psql(string sql)
    {
        string code = "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); import pg_server; " +
                      "pg_server.psql(pg_server.Server(Path(sys.argv[2]), pg_server.postgres_bindir(), " +
                      "sys.argv[3]), sys.argv[4])";
        var (exit, _, stderr) = ServiceProcess.Run(
            Python, ["-c", code, Path.Combine(Repository, "scripts"), ServerDirectory, Environment["PGUSER"], sql], null,
            CommandTimeout);
        if (exit != 0) throw new InvalidOperationException($"psql failed: {stderr.Trim()}");
    }

    public void Dispose()
    {
        ServiceProcess.Run(Python, [PgServer, "stop", ServerDirectory], null, CommandTimeout);
        if (System.IO.Directory.Exists(_base)) System.IO.Directory.Delete(_base, recursive: true);
    }

    private static string FindRepository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "scripts", "pg_server.py"))) return dir.FullName;
        }
        throw new InvalidOperationException($"no scripts/pg_server.py above {AppContext.BaseDirectory}");
    }
}

/// <summary>A child process, bounded in time: killed (and a failure) when it takes longer.</summary>
public static class ServiceProcess
{
    public static (int Exit, string Stdout, string Stderr) Run(
        string program, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment, TimeSpan timeout)
    {
        using Process process = Start(program, args, environment);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', args)} took more than {timeout.TotalSeconds} s");
        }
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    public static Process Start(string program, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args) info.ArgumentList.Add(arg);
        foreach (string name in new[] { "PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "DOTNET_gcServer" })
            info.Environment.Remove(name);
        if (environment is not null)
        {
            foreach (var (name, value) in environment) info.Environment[name] = value;
        }
        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
    }

    /// <summary>`dotnet Vtbench.Benchmarks.dll service ARGS`.</summary>
    public static IEnumerable<string> ServiceArgs(params string[] args) =>
        [typeof(Vtbench.Benchmarks.Service.ServiceProgram).Assembly.Location, "service", .. args];
}
