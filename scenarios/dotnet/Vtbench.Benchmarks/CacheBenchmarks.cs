// The cache scenario (C3-C6, C10): every implementation against the same key sequence,
// one full 1000-key cycle per invocation, so each invocation has exactly hit_percent % hits.
using System;
using System.Collections.Generic;
using BenchmarkDotNet.Attributes;

namespace Vtbench.Benchmarks;

/// <summary>The parameter sweeps: full, or the --quick subset.</summary>
public static class Sweep
{
    public static bool Quick { get; set; }

    /// <summary>The runtime-async build's sweep (bench --reduced): int only, five ratios.</summary>
    public static bool Reduced { get; set; }

    public static readonly int[] IntReduced = [0, 50, 90, 99, 100];

    public static readonly int[] IntFull = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 100];
    public static readonly int[] IntQuick = [0, 90, 100];
    public static readonly int[] StringFull = [0, 50, 90, 99, 100];
    public static readonly int[] StringQuick = [0, 100];

    public static int[] HitPercents(string payload) => payload == "int"
        ? (Quick ? IntQuick : Reduced ? IntReduced : IntFull)
        : (Quick || Reduced ? StringQuick : StringFull);
}

public abstract class CacheLookupBase<T, TP> where TP : struct, IPayload<T>
{
    /// <summary>Operations per invocation: one cycle of the key sequence.</summary>
    public const int Operations = KeyPlan.DefaultKeyCount;

    private CacheService<T, TP> _service = null!;

    [ParamsSource(nameof(HitPercents))]
    public int HitPercent { get; set; }

    public IEnumerable<int> HitPercents => Sweep.HitPercents(TP.Name);

    [GlobalSetup]
    public void Setup() => _service = new CacheService<T, TP>(HitPercent);

    private ulong Check(ulong checksum)
    {
        if (checksum != _service.CycleChecksum || _service.Position != 0)
            throw new InvalidOperationException(
                $"wrong checksum: {checksum} over a cycle, expected {_service.CycleChecksum} (position {_service.Position})");
        return checksum;
    }

    [Benchmark(OperationsPerInvoke = Operations, Description = ImplNames.Sync)]
    public ulong Sync() => Check(Driver<T, TP>.RunSync<SyncImpl>(_service, Operations));

    [Benchmark(OperationsPerInvoke = Operations, Description = ImplNames.Task)]
    public ulong Task() => Check(Driver<T, TP>.RunTask<TaskImpl>(_service, Operations));

    [Benchmark(OperationsPerInvoke = Operations, Description = ImplNames.TaskFromResult)]
    public ulong TaskFromResult() => Check(Driver<T, TP>.RunTask<TaskFromResultImpl>(_service, Operations));

    [Benchmark(OperationsPerInvoke = Operations, Description = ImplNames.ValueTaskCoroutine)]
    public ulong ValueTaskCoroutine() =>
        Check(Driver<T, TP>.RunValueTask<ValueTaskCoroutineImpl>(_service, Operations));

    [Benchmark(OperationsPerInvoke = Operations, Description = ImplNames.ValueTask)]
    public ulong ValueTask() => Check(Driver<T, TP>.RunValueTask<ValueTaskImpl>(_service, Operations));

    [Benchmark(OperationsPerInvoke = Operations, Description = ImplNames.ValueTaskSource)]
    public ulong ValueTaskSource() => Check(Driver<T, TP>.RunValueTask<ValueTaskSourceImpl>(_service, Operations));

    [Benchmark(OperationsPerInvoke = Operations, Description = ImplNames.PooledValueTask)]
    public ulong PooledValueTask() => Check(Driver<T, TP>.RunValueTask<PooledValueTaskImpl>(_service, Operations));
}

/// <summary>cache_lookup, payload int.</summary>
public class CacheLookupInt : CacheLookupBase<int, IntPayload> { }

/// <summary>cache_lookup, payload string.</summary>
public class CacheLookupString : CacheLookupBase<string, StringPayload> { }

/// <summary>
/// The driver's own per-operation cost: "empty" (the loop and the next key, nothing called) and
/// "loop_round_trip" (every operation awaits the database request through the run loop, no
/// cache and no implementation: what the miss path's machinery costs by itself).
/// </summary>
public abstract class DriverBase<T, TP> where TP : struct, IPayload<T>
{
    public const int Operations = KeyPlan.DefaultKeyCount;
    private CacheService<T, TP> _service = null!;
    private ulong _keySum;
    private ulong _loadSum;

    [GlobalSetup]
    public void Setup()
    {
        _service = new CacheService<T, TP>(0);
        for (int i = 0; i < _service.KeyCount; ++i) _keySum += (ulong)i;
        _loadSum = _service.CycleChecksum;
    }

    private static ulong Check(ulong checksum, ulong expected) => checksum == expected
        ? checksum
        : throw new InvalidOperationException($"wrong checksum: {checksum}, expected {expected}");

    [Benchmark(OperationsPerInvoke = Operations, Description = "empty")]
    public ulong Empty() => Check(Driver<T, TP>.RunEmpty(_service, Operations), _keySum);

    [Benchmark(OperationsPerInvoke = Operations, Description = "loop_round_trip")]
    public ulong LoopRoundTrip() => Check(Driver<T, TP>.RunLoopRoundTrip(_service, Operations), _loadSum);
}

/// <summary>driver, payload int.</summary>
public class DriverInt : DriverBase<int, IntPayload> { }

/// <summary>driver, payload string.</summary>
public class DriverString : DriverBase<string, StringPayload> { }
