// vtbench's .NET side. Modes (each writes only below the path it is given):
//   bench OUT_DIR [--quick|--smoke] [--reduced] [--filter GLOB[,GLOB...]]
//                                                        BenchmarkDotNet, JSON (full) + Markdown into OUT_DIR,
//                                                        and each iteration's machine state (IterationStates.cs)
//                                                        in OUT_DIR/machine_state.json;
//                                                        --reduced: int 0,50,90,99,100 and string 0,100
//   misuse OUT.json                                      the misuse table as data (claims C8, C9)
//   footprint OUT.json                                   bytes per suspended operation, sizeof of the handles (C1, C7)
//   meta OUT.json [--quick|--smoke] [--reduced]          runtime, BDN version, job settings and sweep
//   misuse-cell RULE COLUMN                              one misuse cell as JSON on stdout (misuse's child)
//   service --out FILE [flags]                           the service scenario against the run's PostgreSQL
//                                                        server (Service/ServiceProgram.cs; --help lists the flags)
// Exit codes: 0 done, 1 a benchmark or a check failed, 2 bad usage.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Vtbench.Benchmarks.Service;

namespace Vtbench.Benchmarks;

public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "service") return ServiceProgram.Run(args[1..]);
        try
        {
            if (args.Length < 2) return Usage("expected a mode and an output path");
            string mode = args[0], output = args[1];
            var flags = new HashSet<string>(args.Skip(2).Where(a => a.StartsWith("--", StringComparison.Ordinal)));
            string? filter = null;
            int filterAt = Array.IndexOf(args, "--filter");
            if (filterAt >= 0)
            {
                if (filterAt + 1 >= args.Length) return Usage("--filter needs a glob");
                filter = args[filterAt + 1];
            }
            var settings = JobSettings.For(quick: flags.Contains("--quick"), smoke: flags.Contains("--smoke"));
            switch (mode)
            {
                case "bench": return RunBenchmarks(output, settings, filter, flags.Contains("--reduced"));
                case "misuse": Json.WriteFile(output, MisuseTable.Run()); return 0;
                case "misuse-cell":
                    if (args.Length < 3) return Usage("misuse-cell needs RULE COLUMN");
                    Console.WriteLine(MisuseTable.RunCell(args[1], args[2]).ToJsonString());
                    return 0;
                case "footprint": Json.WriteFile(output, Footprint.Run()); return 0;
                case "meta":
                    Sweep.Reduced = flags.Contains("--reduced");
                    Json.WriteFile(output, Meta.Collect(settings));
                    return 0;
                default: return Usage($"unknown mode '{mode}'");
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            Console.Error.WriteLine($"Vtbench.Benchmarks: {error.Message}");
            return 1;
        }
    }

    private static int Usage(string problem)
    {
        Console.Error.WriteLine($"Vtbench.Benchmarks: {problem} (usage: bench|misuse|footprint|meta OUT [--quick] [--smoke] [--filter GLOB], or service --help)");
        return 2;
    }

    /// <summary>The benchmark classes, in run order.</summary>
    public static readonly Type[] BenchmarkTypes =
        [typeof(CacheLookupInt), typeof(CacheLookupString), typeof(DriverInt), typeof(DriverString),
         typeof(Suspension), typeof(Factory), typeof(CopyCost)];

    private static int RunBenchmarks(string outDir, JobSettings settings, string? filter, bool reduced)
    {
        Sweep.Quick = settings.Quick || settings.Smoke;
        Sweep.Reduced = reduced;
        Directory.CreateDirectory(outDir);
        Type[] types = settings.Smoke ? [typeof(CacheLookupInt)] : BenchmarkTypes;
        Console.Error.WriteLine("dotnet: warming up (tiered JIT) ...");
        Warmup.Run(settings.Smoke ? 0.2 : 2.0);
        Type[] perOperation = types.Where(t => t != typeof(Factory) && t != typeof(CopyCost)).ToArray();
        Type[] perCall = types.Except(perOperation).ToArray();
        var summaries = new List<Summary>();
        using var states = new IterationStates();
        if (perOperation.Length > 0)
            summaries.AddRange(BenchmarkRunner.Run(perOperation, settings.CreateConfig(outDir, filter, perOperation: true, "bdn.log")));
        if (perCall.Length > 0)
            summaries.AddRange(BenchmarkRunner.Run(perCall, settings.CreateConfig(outDir, filter, perOperation: false, "bdn-factory-copy.log")));
        var failed = summaries.SelectMany(s => s.Reports).Where(r => !r.Success)
            .Select(r => r.BenchmarkCase.DisplayInfo).ToList();
        var validation = summaries.SelectMany(s => s.ValidationErrors).Where(e => e.IsCritical).ToList();
        if (validation.Count > 0)
        {
            Console.Error.WriteLine($"Vtbench.Benchmarks: BenchmarkDotNet refused the benchmarks: {validation[0].Message}");
            return 1;
        }
        if (failed.Count > 0)
        {
            Console.Error.WriteLine($"Vtbench.Benchmarks: {failed.Count} benchmark(s) failed, first: {failed[0]} (see {outDir}/bdn.log)");
            return 1;
        }
        if (summaries.Sum(s => s.Reports.Length) == 0)
        {
            Console.Error.WriteLine("Vtbench.Benchmarks: no benchmark ran (filter matched nothing?)");
            return 1;
        }
        string? unmatched = states.Check(summaries.SelectMany(s => s.Reports));
        if (unmatched is not null)
        {
            Console.Error.WriteLine($"Vtbench.Benchmarks: {unmatched}");
            return 1;
        }
        Json.WriteFile(Path.Combine(outDir, IterationStates.FileName), states.ToJson());
        return 0;
    }
}
