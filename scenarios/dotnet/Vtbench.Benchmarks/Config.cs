// The BenchmarkDotNet job, its exporters, the progress lines and the run's metadata.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.EventProcessors;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Json;
using BenchmarkDotNet.Filters;
using Perfolizer.Horology;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Vtbench.Benchmarks;

/// <summary>
/// The job: in process (no child build per benchmark), one launch, a fixed number of warm-up
/// and measured iterations of a fixed target time each. Full: 3 warm-ups, 7 iterations of
/// 60 ms; quick: 1 and 3 of 25 ms; smoke (the integration test): 1 and 2 of 10 ms.
/// </summary>
public sealed record JobSettings(string Name, bool Quick, bool Smoke, int WarmupCount, int IterationCount,
                                 int IterationTimeMs)
{
    public const string ToolchainName = "InProcessEmitToolchain";

    public static JobSettings For(bool quick, bool smoke) =>
        smoke ? new JobSettings("smoke", false, true, 1, 2, 10)
        : quick ? new JobSettings("quick", true, false, 1, 3, 25)
        : new JobSettings("full", false, false, 3, 7, 60);

    public Job CreateJob() => Job.Default
        .WithToolchain(InProcessEmitToolchain.Instance)
        .WithLaunchCount(1)
        .WithWarmupCount(WarmupCount)
        .WithIterationCount(IterationCount)
        .WithIterationTime(TimeInterval.FromMilliseconds(IterationTimeMs))
        .WithId($"vtbench-{Name}");

    public IConfig CreateConfig(string outDir, string? filter)
    {
        ManualConfig config = ManualConfig.CreateEmpty()
            .AddJob(CreateJob())
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddExporter(JsonExporter.Full, MarkdownExporter.GitHub)
            .AddLogger(new StreamLogger(Path.Combine(outDir, "bdn.log")))
            .AddEventProcessor(new ProgressLines())
            .WithArtifactsPath(outDir)
            .WithOptions(ConfigOptions.DisableLogFile | ConfigOptions.StopOnFirstError);
        if (filter is not null) config.AddFilter(new GlobFilter([filter]));
        if (Smoke) config.AddFilter(new GlobFilter(["*CacheLookupInt.ValueTask"]));
        return config;
    }

    public JsonObject ToJson() => new()
    {
        ["name"] = Name,
        ["toolchain"] = ToolchainName,
        ["launch_count"] = 1,
        ["warmup_count"] = WarmupCount,
        ["iteration_count"] = IterationCount,
        ["iteration_time_ms"] = IterationTimeMs,
        ["memory_diagnoser"] = true,
        ["operations_per_invoke_cache"] = KeyPlan.DefaultKeyCount,
        ["sweep"] = new JsonObject
        {
            ["int"] = new JsonArray(Sweep.HitPercents("int").Select(h => (JsonNode)h).ToArray()),
            ["string"] = new JsonArray(Sweep.HitPercents("string").Select(h => (JsonNode)h).ToArray()),
        },
    };
}

/// <summary>One stderr line per benchmark, like the C++ side's progress lines.</summary>
internal sealed class ProgressLines : EventProcessor
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _total;
    private int _index;

    public override void OnStartBuildStage(IReadOnlyList<BuildPartition> partitions) =>
        _total = partitions.Sum(p => p.Benchmarks.Length);

    public override void OnStartRunBenchmark(BenchmarkCase benchmarkCase)
    {
        ++_index;
        Console.Error.WriteLine(
            $"dotnet: [{_index}/{_total}] {benchmarkCase.Descriptor.Type.Name}/{benchmarkCase.Descriptor.WorkloadMethodDisplayInfo}" +
            $"{(benchmarkCase.HasParameters ? "/" + benchmarkCase.Parameters.PrintInfo : "")} - elapsed {_clock.Elapsed.TotalSeconds:F0} s");
    }

    public override void OnEndRunBenchmark(BenchmarkCase benchmarkCase, BenchmarkReport report)
    {
        if (!report.Success)
            Console.Error.WriteLine($"dotnet: FAILED {benchmarkCase.DisplayInfo}");
    }
}

/// <summary>The run's facts: runtime, BenchmarkDotNet version, job settings.</summary>
public static class Meta
{
    public static JsonObject Collect(JobSettings settings)
    {
        Sweep.Quick = settings.Quick || settings.Smoke;
        string bdnVersion = typeof(BenchmarkRunner).Assembly.GetName().Version?.ToString() ?? "unknown";
        string? informational = typeof(BenchmarkRunner).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion;
        return new JsonObject
        {
            ["runtime"] = RuntimeInformation.FrameworkDescription,
            ["runtime_version"] = Environment.Version.ToString(),
            ["os"] = RuntimeInformation.OSDescription,
            ["architecture"] = RuntimeInformation.ProcessArchitecture.ToString(),
            ["processor_count"] = Environment.ProcessorCount,
            ["benchmarkdotnet_version"] = informational?.Split('+')[0] ?? bdnVersion,
            ["server_gc"] = System.Runtime.GCSettings.IsServerGC,
            ["tiered_pgo"] = AppContext.TryGetSwitch("System.Runtime.TieredPGO", out bool pgo) ? pgo : null,
            ["runtime_async"] = RuntimeAsync.Enabled,
            ["job"] = settings.ToJson(),
        };
    }
}

/// <summary>Whether this build was compiled with the runtime-async preview (Features=runtime-async=on).</summary>
public static class RuntimeAsync
{
#if VTBENCH_RUNTIME_ASYNC
    public const bool Enabled = true;
#else
    public const bool Enabled = false;
#endif
}
