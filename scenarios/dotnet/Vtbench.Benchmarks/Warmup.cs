// Before BenchmarkDotNet starts: every implementation's code runs long enough for the tiered
// JIT to promote it (tier 0 -> instrumented -> tier 1 with dynamic PGO), so the first
// benchmarks of a run (hit 0 %, the first parameter) measure optimised code like the others.
// BenchmarkDotNet's own warm-up iterations are too short for that in process: a method
// called fewer than 30 times before its benchmark starts is measured at tier 0.
using System;
using System.Diagnostics;
using System.Runtime;
using System.Threading;

namespace Vtbench.Benchmarks;

public static class Warmup
{
    private static readonly int[] Ratios = [0, 50, 100];
    public const double MaxSeconds = 10;

    /// <summary>Rounds the last Run took, and whether JIT activity had settled (for meta.json).</summary>
    public static int Rounds { get; private set; }
    public static double Seconds { get; private set; }

    /// <summary>
    /// Runs <paramref name="round"/> at least <paramref name="minSeconds"/> and twice, then until a whole
    /// round (and its pause) JIT-compiled nothing new, at most <paramref name="maxSeconds"/>: on a loaded
    /// machine the tier-1 background compiler lags behind. Returns the rounds run and the seconds taken.
    /// </summary>
    public static (int Rounds, double Seconds) UntilJitSettles(double minSeconds, double maxSeconds, Action round)
    {
        var clock = Stopwatch.StartNew();
        int rounds = 0;
        long compiled = -1;
        while (clock.Elapsed.TotalSeconds < minSeconds || rounds < 2 ||
               (JitInfo.GetCompiledMethodCount() != compiled && clock.Elapsed.TotalSeconds < maxSeconds))
        {
            compiled = JitInfo.GetCompiledMethodCount();
            round();
            ++rounds;
            Thread.Sleep(150);  // past the JIT's call-counting delay (100 ms) so promotion proceeds
        }
        return (rounds, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Runs every implementation and payload, the drivers and the suspended frames, for about <paramref name="seconds"/>, in rounds separated by pauses.</summary>
    public static void Run(double seconds)
    {
        var ints = Array.ConvertAll(Ratios, h => new CacheService<int, IntPayload>(h));
        var strings = Array.ConvertAll(Ratios, h => new CacheService<string, StringPayload>(h));
        (Rounds, Seconds) = UntilJitSettles(seconds, MaxSeconds, () =>
        {
            foreach (string impl in ImplNames.All)
            {
                foreach (var service in ints) Cycles(impl, service);
                foreach (var service in strings) Cycles(impl, service);
            }
            for (int i = 0; i < 10; ++i)
            {
                foreach (var service in ints)
                {
                    Driver<int, IntPayload>.RunEmpty(service, service.KeyCount);
                    Driver<int, IntPayload>.RunLoopRoundTrip(service, service.KeyCount);
                }
                foreach (var service in strings)
                {
                    Driver<string, StringPayload>.RunEmpty(service, service.KeyCount);
                    Driver<string, StringPayload>.RunLoopRoundTrip(service, service.KeyCount);
                }
                foreach (string kind in FrameKinds.All)
                    foreach (int depth in Suspension.Depths) SuspendedFrames.Run(ints[0], kind, depth, ints[0].KeyCount);
            }
            PerCallBenchmarks();
        });
        Console.Error.WriteLine($"dotnet: warm-up: {Rounds} rounds in {Seconds:F1} s, {JitInfo.GetCompiledMethodCount()} methods compiled");
    }

    /// <summary>The Factory and CopyCost benchmark methods, called as BenchmarkDotNet will call them.</summary>
    private static void PerCallBenchmarks()
    {
        var factory = new Factory();
        var copy1 = new CopyCost { Depth = 1 };
        var copy8 = new CopyCost { Depth = 8 };
        copy1.Setup();
        copy8.Setup();
        for (int i = 0; i < 2000; ++i)
        {
            factory.FromResultCached();
            factory.FromResultCachedBool();
            factory.FromResultUncached();
            factory.CompletedTask();
            factory.FromCanceled();
            factory.ValueTaskInline();
            copy1.ValueTaskCopy();
            copy1.TaskCopy();
            copy8.ValueTaskCopy();
            copy8.TaskCopy();
        }
        for (int i = 0; i < 100; ++i) factory.FromException();  // finalizable: fewer
    }

    private static void Cycles<T, TP>(string impl, CacheService<T, TP> service) where TP : struct, IPayload<T>
    {
        for (int i = 0; i < 10; ++i)
        {
            ulong checksum = ImplRunner.Run(impl, service, service.KeyCount);
            if (checksum != service.CycleChecksum)
                throw new InvalidOperationException($"warm-up: {impl} at {service.HitPercent} % returned wrong values");
        }
    }
}
