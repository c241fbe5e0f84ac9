// The service mode against a real PostgreSQL server (PostgresServer: the test's own, started
// and stopped by the fixture): the figures a short run writes, the server's query count, the
// GC fields, bare_query, a killed server, bad flags and no server; and the percentiles' rule.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json.Nodes;
using Vtbench.Benchmarks.Service;
using Xunit;

namespace Vtbench.Benchmarks.Tests;

public sealed class ServiceTests(PostgresServer server) : IClassFixture<PostgresServer>
{
    private const string Dotnet = "dotnet";
    private static readonly string[] Fast = ["--seconds=0.02", "--warm-up-seconds=0.01", "--repetitions=2"];

    private static string OutFile() =>
        Path.Combine(Path.GetTempPath(), "vtb-dotnet-service-" + Guid.NewGuid().ToString("N")[..12], "service.json");

    [Fact]
    public void AShortRunMeasuresEveryFigureAndTheServerCountsEveryMiss()
    {
        string outFile = OutFile();
        try
        {
            var (exit, _, stderr) = ServiceProcess.Run(Dotnet, ServiceProcess.ServiceArgs(
                [$"--out={outFile}", "--impl=sync,task,value_task_source,pooled_value_task,bare_query", "--hit=0,90,100",
                 "--clients=1,4", "--workers=1", "--open-clients=4", "--open-load=50", .. Fast]),
                server.Environment, PostgresServer.CommandTimeout);
            Assert.True(exit == 0, stderr);
            JsonNode document = JsonNode.Parse(File.ReadAllText(outFile))!;
            Assert.Equal("Vtbench.Benchmarks service", (string?)document["context"]!["program"]);
            Assert.False((bool)document["context"]!["counting"]!);
            Assert.Equal("workstation", (string?)document["context"]!["gc_mode"]);
            Assert.Equal(RuntimeAsync.Enabled, (bool)document["context"]!["runtime_async"]!);
            JsonArray runs = document["runs"]!.AsArray();
            var closed = runs.Where(run => (string?)run!["loop"] == "closed").ToList();
            var opened = runs.Where(run => (string?)run!["loop"] == "open").ToList();
            Assert.Equal(4 * 3 * 2, closed.Count);
            Assert.Equal(4 * 3, opened.Count);  // the open loop at 4 clients only
            JsonArray bare = document["bare_query_runs"]!.AsArray();
            Assert.Equal(2, bare.Count);  // at hit 0 only, 1 and 4 clients
            foreach (JsonNode? run in runs.Concat(bare))
            {
                double hit = (double)run!["hit_percent"]!;
                bool isBare = (string?)run["implementation"] == ServiceImplementations.BareQuery;
                Assert.Null(run["allocs_per_request"]);
                Assert.Equal(2, run["repetitions"]!.AsArray().Count);
                foreach (JsonNode? repetition in run["repetitions"]!.AsArray())
                {
                    long requests = (long)repetition!["requests"]!;
                    long misses = (long)repetition["misses"]!;
                    Assert.True(requests > 0);
                    Assert.Equal((long)repetition["queries"]!, misses);
                    // every key cycle of 1000 requests holds exactly the hit ratio's misses
                    double expectedMisses = isBare ? requests : requests * (100 - hit) / 100;
                    Assert.True(Math.Abs(misses - expectedMisses) <= 1000, $"{misses} misses of {requests} at {hit} %");
                    JsonNode latency = repetition["latency_ns"]!;
                    long[] ordered = new[] { "p50", "p90", "p99", "p99.9", "max" }.Select(name => (long)latency[name]!).ToArray();
                    Assert.True(ordered[0] > 0 && ordered.SequenceEqual(ordered.Order()), string.Join(",", ordered));
                    Assert.True((double)repetition["calibration_ns"]! > 0);
                    Assert.True((double)repetition["client_cpu_ns_per_request"]! > 0);
                    if (hit < 100) Assert.True((double)repetition["server_cpu_ns_per_request"]! > 0);
                    foreach (string name in new[] { "allocated_bytes_per_1000_requests", "gen0_collections_per_1000_requests",
                                                    "gen1_collections_per_1000_requests", "gen2_collections_per_1000_requests",
                                                    "gc_pause_ns_per_1000_requests" })
                        Assert.True((double)repetition[name]! >= 0, name);
                }
            }
            foreach (JsonNode? run in opened) Assert.True((double)run!["target_rate"]! > 0);
            // A hit allocates nothing in the value-task forms: at 100 % the pooled ones allocate
            // next to nothing per request (the repetition's few fixed objects, spread over thousands).
            foreach (JsonNode? run in closed.Where(run => (double)run!["hit_percent"]! == 100 &&
                                                           (string?)run["implementation"] is "value_task_source" or "pooled_value_task"))
            {
                foreach (JsonNode? repetition in run!["repetitions"]!.AsArray())
                    Assert.True((double)repetition!["allocated_bytes_per_1000_requests"]! < 1000, run.ToJsonString());
            }
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(outFile)!, recursive: true);
        }
    }

    [Fact]
    public void AKilledServerFailsTheRunWithin10SWithOneLineAndNoFile()
    {
        using var own = new PostgresServer();
        string outFile = OutFile();
        using Process process = ServiceProcess.Start(Dotnet, ServiceProcess.ServiceArgs(
            $"--out={outFile}", "--impl=task", "--hit=0", "--clients=16", "--workers=1", "--loop=closed",
            "--seconds=0.5", "--repetitions=100"), own.Environment);
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var sweeping = new System.Threading.ManualResetEventSlim();
        process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is null) return;
            lines.Enqueue(line.Data);
            if (line.Data.Contains("] workers:1 clients:16 hit:0", StringComparison.Ordinal)) sweeping.Set();
        };
        process.BeginErrorReadLine();
        Assert.True(sweeping.Wait(TimeSpan.FromSeconds(60)), "the sweep did not start: " + string.Join("\n", lines));
        System.Threading.Thread.Sleep(TimeSpan.FromSeconds(1));  // into the repetitions
        Assert.False(process.HasExited, "the run ended before the server was killed");
        own.Kill();
        var killed = Stopwatch.StartNew();
        bool exited = process.WaitForExit(TimeSpan.FromSeconds(30));
        if (!exited) process.Kill(entireProcessTree: true);
        Assert.True(exited && killed.Elapsed < TimeSpan.FromSeconds(10), $"took {killed.Elapsed.TotalSeconds:F1} s");
        process.WaitForExit();  // and the last lines
        Assert.Equal(1, process.ExitCode);
        string[] failure = lines
            .Where(line => !line.StartsWith("Vtbench.Benchmarks service: [", StringComparison.Ordinal) &&
                           !line.StartsWith("Vtbench.Benchmarks service: JIT warm-up", StringComparison.Ordinal))
            .ToArray();
        Assert.True(failure.Length == 1, string.Join("\n", lines));
        Assert.StartsWith("Vtbench.Benchmarks service: loop:closed/workers:1/clients:16/hit:0/impl:task: ", failure[0]);
        Assert.False(Directory.Exists(Path.GetDirectoryName(outFile)) && File.Exists(outFile));
    }

    [Fact]
    public void AWrongRowInTheTableFailsTheChecksum()
    {
        using var own = new PostgresServer();
        own.Psql("UPDATE messages SET int_payload = int_payload + 1 WHERE id = 5;");
        string outFile = OutFile();
        var (exit, _, stderr) = ServiceProcess.Run(Dotnet, ServiceProcess.ServiceArgs(
            [$"--out={outFile}", "--impl=value_task", "--hit=0", "--clients=4", "--workers=1", "--loop=closed", .. Fast]),
            own.Environment, PostgresServer.CommandTimeout);
        Assert.Equal(1, exit);
        string last = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        // the JIT warm-up (hit 50 %) meets the row first, or the sweep does
        Assert.Matches("^Vtbench.Benchmarks service: (jit-warm-up|loop:closed/workers:1/clients:4/hit:0)/impl:value_task: " +
                       "wrong results: the values received do not match the messages table$", last);
        Assert.False(File.Exists(outFile));
    }

    [Fact]
    public void WithoutMultiplexingEveryRequestInFlightHasItsOwnConnection()
    {
        string outFile = OutFile();
        try
        {
            var (exit, _, stderr) = ServiceProcess.Run(Dotnet, ServiceProcess.ServiceArgs(
                [$"--out={outFile}", "--multiplexing=off", "--impl=task,value_task_source,bare_query", "--hit=0,90",
                 "--clients=4", "--workers=1", "--loop=closed", .. Fast]), server.Environment, PostgresServer.CommandTimeout);
            Assert.True(exit == 0, stderr);
            JsonNode document = JsonNode.Parse(File.ReadAllText(outFile))!;
            Assert.False((bool)document["context"]!["npgsql_multiplexing"]!);
            foreach (JsonNode? run in document["runs"]!.AsArray().Concat(document["bare_query_runs"]!.AsArray()))
            {
                foreach (JsonNode? repetition in run!["repetitions"]!.AsArray())
                    Assert.Equal((long)repetition!["queries"]!, (long)repetition["misses"]!);
            }
            // 64 clients would need 66 connections of the server's 20: refused before anything runs
            (exit, _, stderr) = ServiceProcess.Run(Dotnet, ServiceProcess.ServiceArgs(
                [$"--out={outFile}.64", "--multiplexing=off", "--clients=64", "--workers=1", "--loop=closed"]),
                server.Environment, PostgresServer.CommandTimeout);
            Assert.Equal(1, exit);
            Assert.StartsWith("Vtbench.Benchmarks service: workers:1/clients:64: needs 66 connections", stderr);
            Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.False(File.Exists(outFile + ".64"));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(outFile)!, recursive: true);
        }
    }

    [Theory]
    [InlineData("--multiplexing=maybe", "--multiplexing: unknown value 'maybe'")]
    [InlineData("--hit=33.33", "--hit: '33.33' is not a hit percent")]
    [InlineData("--impl=nope", "--impl: unknown implementation 'nope'")]
    [InlineData("--clients=0", "--clients: '0' is not an integer within 1..256")]
    [InlineData("--loop=open", "--loop=open needs closed too")]
    [InlineData("--bogus", "unknown argument '--bogus'")]
    public void BadFlagsAreOneLineAndExit2(string flag, string message)
    {
        var (exit, stdout, stderr) = ServiceProcess.Run(Dotnet, ServiceProcess.ServiceArgs("--out=/tmp/never.json", flag),
                                                        null, PostgresServer.CommandTimeout);
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        string[] lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("Vtbench.Benchmarks service: " + message, lines[0]);
        Assert.False(File.Exists("/tmp/never.json"));
    }

    [Fact]
    public void WithoutAServerTheRunFailsWithOneLineNamingWhy()
    {
        var (exit, _, stderr) = ServiceProcess.Run(Dotnet, ServiceProcess.ServiceArgs("--out=/tmp/never.json"), null,
                                                   PostgresServer.CommandTimeout);
        Assert.Equal(1, exit);
        Assert.Equal("Vtbench.Benchmarks service: no server: PGHOST is not set and --conninfo is not given " +
                     "(scripts/pg_server.py run DIR -- ... sets PGHOST, PGPORT, PGDATABASE and PGUSER)\n", stderr);
    }

    [Fact]
    public void HelpListsEveryImplementation()
    {
        var (exit, stdout, _) = ServiceProcess.Run(Dotnet, ServiceProcess.ServiceArgs("--help"), null,
                                                   PostgresServer.CommandTimeout);
        Assert.Equal(0, exit);
        Assert.Contains(string.Join(",", ServiceImplementations.All), stdout);
    }
}

public class ServiceUnitTests
{
    [Fact]
    public void TheServiceRunsTheRegistrysImplementationsAndBareQuery()
    {
        Assert.Equal(ImplNames.All.Append("bare_query").ToArray(), ServiceImplementations.All);
    }

    [Theory]
    [InlineData(99.9, 1000, 999)]
    [InlineData(0, 7, 1)]
    [InlineData(100, 7, 7)]
    [InlineData(50, 1, 1)]
    [InlineData(50, 2, 1)]
    [InlineData(50, 3, 2)]
    [InlineData(99, 100, 99)]
    [InlineData(99.99, 10000, 9999)]
    [InlineData(90, 10, 9)]
    public void NearestRankIsTheCeilingOfPTimesN(double p, int n, int rank)
    {
        Assert.Equal(rank, LatencyPercentiles.NearestRank(p, n));
    }

    [Fact]
    public void PercentilesAreTheSortedValuesAtTheNearestRanks()
    {
        var random = new SplitMix64(7);
        foreach (int n in new[] { 1, 2, 3, 10, 999, 1000, 4097 })
        {
            long[] values = Enumerable.Range(0, n).Select(_ => (long)random.Bounded(50)).ToArray();  // many ties
            long[] sorted = values.Order().ToArray();
            double[] points = [0, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 100];
            var found = LatencyPercentiles.Compute(values, points);
            for (int i = 0; i < points.Length; ++i)
                Assert.Equal(sorted[LatencyPercentiles.NearestRank(points[i], n) - 1], found[i].Value);
        }
    }

    [Fact]
    public void TheReportedPercentilesAreAmongTheDistributions()
    {
        Assert.All(ServiceGroup<int, IntPayload>.ReportedPoints,
                   p => Assert.Contains(p, ServiceGroup<int, IntPayload>.DistributionPoints));
        Assert.Equal(ServiceGroup<int, IntPayload>.ReportedPoints.Length, ServiceGroup<int, IntPayload>.ReportedNames.Length);
    }

    [Fact]
    public void AHitPercentMustBeAWholeNumberOfKeys()
    {
        Assert.Equal(999, new KeyPlan(99.9).CachedCount);
        Assert.Throws<ArgumentOutOfRangeException>(() => new KeyPlan(99.95));
    }

    [Fact]
    public void TheWorkerLoopRunsTimersInDueOrder()
    {
        var loop = new WorkerLoop(4);
        var order = new List<int>();
        long now = Stopwatch.GetTimestamp();
        foreach (int delay in new[] { 3, 1, 2 })
        {
            int mine = delay;
            loop.Until(now + delay * Stopwatch.Frequency / 1000).GetAwaiter().UnsafeOnCompleted(() => order.Add(mine));
        }
        while (order.Count < 3)
        {
            loop.Wait(Stopwatch.Frequency);
            loop.RunReady();
        }
        Assert.Equal(new[] { 1, 2, 3 }, order);
    }
}
