// `Vtbench.Benchmarks service --out FILE [flags]`: the service scenario on .NET. It parses the
// flags (ServiceOptions), connects to the server the PG* environment variables (or --conninfo)
// name, runs the sweep (ServiceRun) and writes FILE whole at the end (docs/service-format.md,
// with the .NET fields), or not at all: a failure prints one line naming the configuration and
// exits 1; a bad flag one line and exit 2.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Runtime;
using System.Text.Json.Nodes;
using Npgsql;

namespace Vtbench.Benchmarks.Service;

public static class ServiceProgram
{
    public const string Name = "Vtbench.Benchmarks service";

    public static int Run(IReadOnlyList<string> args)
    {
        ServiceOptions options;
        try
        {
            options = ServiceOptions.Parse(args);
        }
        catch (UsageException error)
        {
            Console.Error.WriteLine($"{Name}: {error.Message}");
            return 2;
        }
        if (options.Help)
        {
            Console.Out.Write(ServiceOptions.Usage("dotnet Vtbench.Benchmarks.dll service"));
            return 0;
        }
        try
        {
            string connectionString = ConnectionString(options.ConnectionString);
            JsonObject document = options.Payload == "int"
                ? RunSweep<int, IntPayload>(options, connectionString)
                : RunSweep<string, StringPayload>(options, connectionString);
            Json.WriteFile(options.Out, document);
            return 0;
        }
        catch (UsageException error)
        {
            Console.Error.WriteLine($"{Name}: {error.Message}");
            return 2;
        }
        catch (Exception error)
        {
            Console.Error.WriteLine($"{Name}: {OneLine(error)}");
            return 1;
        }
    }

    /// <summary>An exception's message and its inner ones' (those it does not already say), on one line.</summary>
    public static string OneLine(Exception error)
    {
        var parts = new List<string>();
        for (Exception? each = error; each is not null; each = each.InnerException)
        {
            string message = each.Message.ReplaceLineEndings(" ").Trim();
            if (message.Length > 0 && !parts.Any(part => part.Contains(message, StringComparison.Ordinal)))
                parts.Add(message);
        }
        return string.Join(": ", parts);
    }

    /// <summary>The connection string: --conninfo's, else one from libpq's PG* environment variables.</summary>
    public static string ConnectionString(string given)
    {
        if (given.Length > 0)
        {
            try
            {
                return new NpgsqlConnectionStringBuilder(given).ConnectionString;
            }
            catch (ArgumentException error)
            {
                throw new UsageException($"--conninfo: not an Npgsql connection string ({error.Message})");
            }
        }
        var builder = new NpgsqlConnectionStringBuilder();
        string? host = Environment.GetEnvironmentVariable("PGHOST");
        if (string.IsNullOrEmpty(host))
            throw new DatabaseException("no server: PGHOST is not set and --conninfo is not given " +
                                        "(scripts/pg_server.py run DIR -- ... sets PGHOST, PGPORT, PGDATABASE and PGUSER)");
        builder.Host = host;
        if (Environment.GetEnvironmentVariable("PGPORT") is { Length: > 0 } port)
            builder.Port = int.Parse(port, CultureInfo.InvariantCulture);
        if (Environment.GetEnvironmentVariable("PGDATABASE") is { Length: > 0 } database) builder.Database = database;
        if (Environment.GetEnvironmentVariable("PGUSER") is { Length: > 0 } user) builder.Username = user;
        if (Environment.GetEnvironmentVariable("PGPASSWORD") is { Length: > 0 } password) builder.Password = password;
        builder.Timeout = 10;          // seconds to connect
        builder.CommandTimeout = 10;   // seconds a query may take
        return builder.ConnectionString;
    }

    private static JsonObject RunSweep<T, TP>(ServiceOptions options, string connectionString) where TP : struct, IPayload<T>
    {
        var run = new ServiceRun<T, TP>(options, connectionString);  // disposed after a success only
        string version = run.ServerVersion();
        List<RunResult> runs = run.RunAll();
        run.Dispose();
        var context = new JsonObject
        {
            ["program"] = Name,
            ["counting"] = false,
            ["payload"] = options.Payload,
            ["repetition_seconds"] = options.RepetitionSeconds,
            ["repetitions"] = options.Repetitions,
            ["server"] = new JsonObject { ["version"] = version },
            ["dotnet_runtime_version"] = Environment.Version.ToString(),
            ["npgsql_version"] = typeof(NpgsqlConnection).Assembly.GetName().Version?.ToString(3),
            ["npgsql_multiplexing"] = options.Multiplexing,
            ["gc_mode"] = GcMode(),
            ["runtime_async"] = RuntimeAsync.Enabled,
            ["gc_configuration"] = GcConfiguration(),
            ["jit_warm_up"] = new JsonObject { ["rounds"] = run.JitWarmUp.Rounds, ["seconds"] = run.JitWarmUp.Seconds },
        };
        return new JsonObject
        {
            ["context"] = context,
            ["runs"] = RunsJson(runs.Where(r => r.Implementation != ServiceImplementations.BareQuery)),
            ["bare_query_runs"] = RunsJson(runs.Where(r => r.Implementation == ServiceImplementations.BareQuery)),
        };
    }

    /// <summary>"server", "constrained_heap" (a GCHeapHardLimit is set) or "workstation": what the runtime runs with.</summary>
    public static string GcMode()
    {
        if (GCSettings.IsServerGC) return "server";
        return GC.GetConfigurationVariables().TryGetValue("GCHeapHardLimit", out object? limit) &&
               Convert.ToUInt64(limit, CultureInfo.InvariantCulture) > 0
            ? "constrained_heap"
            : "workstation";
    }

    private static JsonObject GcConfiguration()
    {
        var configuration = new JsonObject();
        foreach (var (key, value) in GC.GetConfigurationVariables().OrderBy(pair => pair.Key, StringComparer.Ordinal))
            configuration[key] = Convert.ToString(value, CultureInfo.InvariantCulture);
        configuration["IsServerGC"] = GCSettings.IsServerGC.ToString();
        configuration["LatencyMode"] = GCSettings.LatencyMode.ToString();
        configuration["TotalAvailableMemoryBytes"] =
            GC.GetGCMemoryInfo().TotalAvailableMemoryBytes.ToString(CultureInfo.InvariantCulture);
        return configuration;
    }

    private static JsonArray RunsJson(IEnumerable<RunResult> runs)
    {
        var array = new JsonArray();
        foreach (RunResult run in runs)
        {
            var repetitions = new JsonArray();
            foreach (RepetitionResult repetition in run.Repetitions) repetitions.Add(RepetitionJson(repetition));
            array.Add(new JsonObject
            {
                ["implementation"] = run.Implementation,
                ["hit_percent"] = run.HitPercent,
                ["workers"] = run.Workers,
                ["clients_per_worker"] = run.ClientsPerWorker,
                ["loop"] = run.Loop == LoadKind.Closed ? "closed" : "open",
                ["target_rate"] = run.Loop == LoadKind.Open ? run.TargetRate : null,
                ["repetitions"] = repetitions,
                ["allocs_per_request"] = null,
            });
        }
        return array;
    }

    private static JsonObject RepetitionJson(RepetitionResult repetition)
    {
        double perRequest = 1.0 / repetition.Requests;
        double perThousand = 1000.0 / repetition.Requests;
        var latency = new JsonObject();
        for (int i = 0; i < repetition.Reported.Length; ++i)
            latency[ServiceGroup<int, IntPayload>.ReportedNames[i]] = repetition.Reported[i].Ns;
        var distribution = new JsonArray();
        foreach (var (p, ns) in repetition.Distribution) distribution.Add(new JsonArray(p, ns));
        ProcessCounters counters = repetition.Counters;
        return new JsonObject
        {
            ["requests"] = repetition.Requests,
            ["seconds"] = repetition.Seconds,
            ["requests_per_second"] = repetition.Requests / repetition.Seconds,
            ["latency_ns"] = latency,
            ["latency_distribution_ns"] = distribution,
            ["client_cpu_ns_per_request"] = counters.Cpu.Ticks * 100.0 * perRequest,
            ["server_cpu_ns_per_request"] = repetition.ServerCpuNs * perRequest,
            ["queries"] = repetition.Queries,
            ["misses"] = repetition.Misses,
            ["calibration_ns"] = repetition.CalibrationNs,
            ["allocated_bytes_per_1000_requests"] = counters.AllocatedBytes * perThousand,
            ["gen0_collections_per_1000_requests"] = counters.Gen0 * perThousand,
            ["gen1_collections_per_1000_requests"] = counters.Gen1 * perThousand,
            ["gen2_collections_per_1000_requests"] = counters.Gen2 * perThousand,
            ["gc_pause_ns_per_1000_requests"] = counters.GcPause.Ticks * 100.0 * perThousand,
        };
    }
}
