// The service mode's command line, the C++ vtbench_service's flags (scenarios/service/
// service_options.hpp) with the same names and defaults: every list is comma-separated, a flag
// is --name=value or --name value, and a flag left out takes its default (Usage prints them).
// A bad value throws UsageException naming the flag.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Vtbench.Benchmarks.Service;

/// <summary>A bad command line: the message names the flag and what was wrong.</summary>
public sealed class UsageException(string message) : Exception(message);

public sealed class ServiceOptions
{
    public bool Help { get; private set; }
    public string ConnectionString { get; private set; } = "";  // Npgsql's; empty: the PG* environment variables
    public string Out { get; private set; } = "";
    public IReadOnlyList<string> Implementations { get; private set; } = ServiceImplementations.All;
    public IReadOnlyList<double> HitPercents { get; private set; } = [0, 50, 90, 99, 99.9, 100];
    public IReadOnlyList<int> ClientsPerWorker { get; private set; } = [1, 16, 64];
    public IReadOnlyList<int> Workers { get; private set; } = [1, 2];
    public bool ClosedLoop { get; private set; } = true;
    public bool OpenLoop { get; private set; } = true;
    public IReadOnlyList<int> OpenLoadPercents { get; private set; } = [50, 90];
    public IReadOnlyList<int> OpenClientsPerWorker { get; private set; } = [16];
    public IReadOnlyList<int> OpenWorkers { get; private set; } = [1];
    public double RepetitionSeconds { get; private set; } = 0.05;
    public double WarmUpSeconds { get; private set; } = 0.02;
    public int Repetitions { get; private set; } = 5;
    public string Payload { get; private set; } = "int";
    public bool Multiplexing { get; private set; } = true;

    private static readonly string[] Valued =
        ["--conninfo", "--out", "--impl", "--hit", "--clients", "--workers", "--loop", "--open-load", "--open-clients",
         "--open-workers", "--seconds", "--warm-up-seconds", "--repetitions", "--payload", "--multiplexing"];

    public static ServiceOptions Parse(IReadOnlyList<string> args)
    {
        var options = new ServiceOptions();
        var seen = new HashSet<string>();
        for (int at = 0; at < args.Count; ++at)
        {
            string arg = args[at];
            if (arg is "--help" or "-h")
            {
                options.Help = true;
                continue;
            }
            int equals = arg.IndexOf('=', StringComparison.Ordinal);
            string name = equals >= 0 ? arg[..equals] : arg;
            if (!Valued.Contains(name)) throw new UsageException($"unknown argument '{arg}' (--help lists the flags)");
            if (!seen.Add(name)) throw new UsageException($"{name}: given twice");
            string value;
            if (equals >= 0) value = arg[(equals + 1)..];
            else if (at + 1 < args.Count) value = args[++at];
            else throw new UsageException($"{name}: needs a value");
            options.Set(name, value);
        }
        if (options.Help) return options;
        if (options.Out.Length == 0) throw new UsageException("--out=FILE is required: where the results go");
        if (options.OpenLoop && !options.ClosedLoop)
            throw new UsageException("--loop=open needs closed too: the open loop's rate comes from the closed loop's throughput");
        if (options.OpenLoop)
        {
            CheckSubset(options.OpenClientsPerWorker, options.ClientsPerWorker, "--open-clients", "--clients");
            CheckSubset(options.OpenWorkers, options.Workers, "--open-workers", "--workers");
        }
        return options;
    }

    private void Set(string name, string value)
    {
        switch (name)
        {
            case "--conninfo": ConnectionString = value; break;
            case "--out": Out = value; break;
            case "--impl": Implementations = Names(name, value, ServiceImplementations.All, "implementation"); break;
            case "--hit": HitPercents = Items(name, value).Select(item => HitPercent(name, item)).ToArray(); break;
            case "--clients": ClientsPerWorker = Integers(name, value, 1, 256); break;
            case "--workers": Workers = Integers(name, value, 1, 8); break;
            case "--open-load": OpenLoadPercents = Integers(name, value, 1, 200); break;
            case "--open-clients": OpenClientsPerWorker = Integers(name, value, 1, 256); break;
            case "--open-workers": OpenWorkers = Integers(name, value, 1, 8); break;
            case "--seconds": RepetitionSeconds = Seconds(name, value); break;
            case "--warm-up-seconds": WarmUpSeconds = Seconds(name, value); break;
            case "--repetitions": Repetitions = Integers(name, value, 1, 1000)[0]; break;
            case "--payload": Payload = Names(name, value, ["int", "string"], "payload")[0]; break;
            case "--multiplexing": Multiplexing = Names(name, value, ["on", "off"], "value")[0] == "on"; break;
            case "--loop":
                var loops = Names(name, value, ["closed", "open"], "loop");
                ClosedLoop = loops.Contains("closed");
                OpenLoop = loops.Contains("open");
                break;
        }
    }

    private static string[] Items(string name, string value)
    {
        string[] items = value.Split(',');
        if (items.Any(item => item.Length == 0)) throw new UsageException($"{name}: an empty item in '{value}'");
        if (items.Distinct().Count() != items.Length) throw new UsageException($"{name}: an item given twice in '{value}'");
        return items;
    }

    private static string[] Names(string name, string value, IReadOnlyList<string> known, string what)
    {
        string[] items = Items(name, value);
        foreach (string item in items)
        {
            if (!known.Contains(item))
                throw new UsageException($"{name}: unknown {what} '{item}' (known: {string.Join(",", known)})");
        }
        return items;
    }

    private static int[] Integers(string name, string value, int lowest, int highest) =>
        Items(name, value).Select(item =>
            int.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out int number) &&
            number >= lowest && number <= highest
                ? number
                : throw new UsageException($"{name}: '{item}' is not an integer within {lowest}..{highest}")).ToArray();

    private static double HitPercent(string name, string item)
    {
        bool parsed = double.TryParse(item, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value);
        double keys = value * KeyPlan.DefaultKeyCount / 100;
        if (!parsed || !(value >= 0 && value <= 100) || Math.Abs(keys - Math.Round(keys)) > 1e-6)
            throw new UsageException($"{name}: '{item}' is not a hit percent within 0..100 that is a whole number of the " +
                                     $"{KeyPlan.DefaultKeyCount} keys");
        return value;
    }

    private static double Seconds(string name, string value)
    {
        bool parsed = double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double seconds);
        if (!parsed || !(seconds > 0) || seconds > 60)
            throw new UsageException($"{name}: not a number of seconds in (0, 60]");
        return seconds;
    }

    private static void CheckSubset(IReadOnlyList<int> part, IReadOnlyList<int> whole, string partFlag, string wholeFlag)
    {
        foreach (int value in part)
        {
            if (!whole.Contains(value))
                throw new UsageException($"{partFlag}: {value} is not among {wholeFlag} (the open loop's rate comes " +
                                         "from the closed loop's run)");
        }
    }

    public static string Usage(string program)
    {
        var defaults = new ServiceOptions();
        static string List<TItem>(IEnumerable<TItem> values) =>
            string.Join(",", values.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)));
        var usage = new StringBuilder();
        usage.Append(CultureInfo.InvariantCulture, $"usage: {program} --out FILE [flags]\n");
        usage.Append("The article's cache in front of the run's PostgreSQL server, through Npgsql, under concurrent load:\n");
        usage.Append("every C# implementation and bare_query (the query alone), closed and open loop, with what the GC\n");
        usage.Append("paid per request (docs/service-format.md describes FILE). The GC mode is the runtime's: set it with\n");
        usage.Append("DOTNET_gcServer, DOTNET_GCHeapHardLimit and DOTNET_GCConserveMemory (scenarios/dotnet/run.sh --service).\n");
        usage.Append("  --conninfo=STR        Npgsql connection string (default: from PGHOST, PGPORT, PGDATABASE, PGUSER)\n");
        usage.Append(CultureInfo.InvariantCulture, $"  --impl=A,B            implementations (default: all: {List(defaults.Implementations)})\n");
        usage.Append(CultureInfo.InvariantCulture, $"  --hit=H,...           hit percents in steps of 0.1 (default {List(defaults.HitPercents)}); bare_query runs at 0 only\n");
        usage.Append(CultureInfo.InvariantCulture, $"  --clients=C,...       requests in flight per worker (default {List(defaults.ClientsPerWorker)})\n");
        usage.Append(CultureInfo.InvariantCulture, $"  --workers=W,...       worker threads, each with its own connections and cache (default {List(defaults.Workers)})\n");
        usage.Append("  --loop=closed,open    which loops (default both; open needs closed)\n");
        usage.Append(CultureInfo.InvariantCulture, $"  --open-load=P,...     open-loop rates, % of the best closed-loop throughput (default {List(defaults.OpenLoadPercents)})\n");
        usage.Append(CultureInfo.InvariantCulture, $"  --open-clients=C,...  --open-workers=W,...  where the open loop runs (default {List(defaults.OpenClientsPerWorker)} and {List(defaults.OpenWorkers)})\n");
        usage.Append(CultureInfo.InvariantCulture, $"  --seconds=S           each repetition's length (default {defaults.RepetitionSeconds})\n");
        usage.Append(CultureInfo.InvariantCulture, $"  --warm-up-seconds=S   the unrecorded run of each implementation before a configuration's first (default {defaults.WarmUpSeconds})\n");
        usage.Append(CultureInfo.InvariantCulture, $"  --repetitions=N       repetitions per configuration, interleaved across implementations (default {defaults.Repetitions})\n");
        usage.Append(CultureInfo.InvariantCulture, $"  --payload=int|string  the payload (default {defaults.Payload})\n");
        usage.Append("  --multiplexing=on|off Npgsql's Multiplexing: on, one pipelined connection per worker (default);\n");
        usage.Append("                        off, one connection per request in flight (within the server's max_connections)\n");
        usage.Append("Exit codes: 0 done, 1 failed (one line names the configuration; no file is written), 2 bad usage.\n");
        return usage.ToString();
    }
}
