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
/// The job: in process (no child build per benchmark), one launch, fixed warm-up and measured
/// iteration counts. The cache, driver and suspension classes (1000 operations per invocation) use a fixed
/// invocation count per iteration (no pilot stage) and no overhead evaluation (negligible at
/// 1000 operations per invocation); the per-call classes (Factory, CopyCost) keep both, with a
/// target iteration time. Full: 2 warm-ups, 9 iterations, 64 invocations (64,000 operations) or
/// 30 ms; quick: 1 and 3, 32 invocations or 15 ms; smoke (the integration test): 1 and 2, 16 or 10 ms.
/// </summary>
public sealed record JobSettings(string Name, bool Quick, bool Smoke, int WarmupCount, int IterationCount,
                                 int IterationTimeMs, int InvocationCount)
{
    public const string ToolchainName = "InProcessEmitToolchain";
    public const int UnrollFactor = 16;

    public static JobSettings For(bool quick, bool smoke) =>
        smoke ? new JobSettings("smoke", false, true, 1, 2, 10, 16)
        : quick ? new JobSettings("quick", true, false, 1, 3, 15, 32)
        : new JobSettings("full", false, false, 2, 9, 30, 64);

    /// <param name="perOperation">
    /// true for the cache, driver and suspension classes: a fixed invocation count and no overhead evaluation.
    /// </param>
    public Job CreateJob(bool perOperation)
    {
        Job job = Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(WarmupCount)
            .WithIterationCount(IterationCount)
            .WithId($"vtbench-{Name}");
        return perOperation
            ? job.WithEvaluateOverhead(false).WithInvocationCount(InvocationCount).WithUnrollFactor(UnrollFactor)
            : job.WithIterationTime(TimeInterval.FromMilliseconds(IterationTimeMs));
    }

    public IConfig CreateConfig(string outDir, string? filter, bool perOperation, string logName)
    {
        ManualConfig config = ManualConfig.CreateEmpty()
            .AddJob(CreateJob(perOperation))
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddExporter(JsonExporter.Full, MarkdownExporter.GitHub)
            .AddLogger(new StreamLogger(Path.Combine(outDir, logName)))
            .AddEventProcessor(new ProgressLines())
            .WithArtifactsPath(outDir)
            .WithOptions(ConfigOptions.DisableLogFile | ConfigOptions.StopOnFirstError);
        if (filter is not null) config.AddFilter(new GlobFilter(filter.Split(',', StringSplitOptions.RemoveEmptyEntries)));
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
        ["memory_diagnoser"] = true,
        ["cache_and_driver"] = new JsonObject
        {
            ["operations_per_invoke"] = KeyPlan.DefaultKeyCount,
            ["invocation_count"] = InvocationCount,
            ["unroll_factor"] = UnrollFactor,
            ["evaluate_overhead"] = false,
        },
        ["factory_and_copy_cost"] = new JsonObject
        {
            ["iteration_time_ms"] = IterationTimeMs,
            ["evaluate_overhead"] = true,
        },
        ["warmup_before_bdn_seconds"] = Smoke ? 0.2 : 2.0,
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
            ["env_DOTNET_RuntimeAsync"] = Environment.GetEnvironmentVariable("DOTNET_RuntimeAsync"),
            ["env_DOTNET_TieredPGO"] = Environment.GetEnvironmentVariable("DOTNET_TieredPGO"),
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
