// What a suspension of nested async frames costs (issue 17 item 7): every operation calls a
// chain of Depth async methods whose innermost awaits the simulated database's request (a
// pending ValueTask<int> on its one reused IValueTaskSource, allocation-free), so the Depth frames
// and the driver suspend, and the run loop resumes them. The frame kinds: plain
// `async ValueTask<int>` (value_task); plain `async Task<int>` (task); `async ValueTask<int>` with
// PoolingAsyncValueTaskMethodBuilder (pooled_value_task); plain `async Task<int>` called by a
// method that is not async and wraps the Task in a ValueTask<int> (wrapped_task: the miss path of
// the value_task and task_from_result implementations); plain `async ValueTask<int>` whose
// innermost frame awaits the database twice (value_task_two_awaits: the chain suspends twice per
// operation, which tells an allocation per suspension from one per call). The driver is
// Drivers.cs's (pooled in the default build, plain in the runtime-async one). Built in both
// builds, the bytes per operation over Depth 1..3 split the runtime-async preview's extra bytes
// per cache miss into the part every suspension pays with no frame (the intercept, beside
// loop_round_trip) and each suspended frame's (the slope).
using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;

namespace Vtbench.Benchmarks;

/// <summary>The kinds of suspended frame, by the names the benchmarks carry.</summary>
public static class FrameKinds
{
    public const string ValueTask = "value_task";
    public const string Task = "task";
    public const string PooledValueTask = "pooled_value_task";
    public const string WrappedTask = "wrapped_task";
    public const string ValueTaskTwoAwaits = "value_task_two_awaits";

    public static readonly string[] All = [ValueTask, Task, PooledValueTask, WrappedTask, ValueTaskTwoAwaits];
}

/// <summary>The chains of frames and the driver that awaits one chain per operation.</summary>
public static class SuspendedFrames
{
    public static async ValueTask<int> ValueTaskFrame(CacheService<int, IntPayload> service, int key, int depth) =>
        depth <= 1 ? await service.LoadAsync(key) : await ValueTaskFrame(service, key, depth - 1);

    public static async Task<int> TaskFrame(CacheService<int, IntPayload> service, int key, int depth) =>
        depth <= 1 ? await service.LoadAsync(key) : await TaskFrame(service, key, depth - 1);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<int> PooledValueTaskFrame(CacheService<int, IntPayload> service, int key, int depth) =>
        depth <= 1 ? await service.LoadAsync(key) : await PooledValueTaskFrame(service, key, depth - 1);

    /// <summary>The innermost frame asks the database twice for the key (the same value), so the chain suspends twice.</summary>
    public static async ValueTask<int> TwoAwaitsFrame(CacheService<int, IntPayload> service, int key, int depth)
    {
        if (depth > 1) return await TwoAwaitsFrame(service, key, depth - 1);
        int first = await service.LoadAsync(key);
        int second = await service.LoadAsync(key);
        return first == second ? second : throw new InvalidOperationException($"key {key}: two loads differ");
    }

    /// <summary>Not async: the chain of task frames, its Task wrapped (ValueTaskImpl's miss path).</summary>
    public static ValueTask<int> WrappedTaskChain(CacheService<int, IntPayload> service, int key, int depth) =>
        new(TaskFrame(service, key, depth));

    /// <summary>
    /// <paramref name="operations"/> operations, each through a chain of <paramref name="depth"/>
    /// frames of <paramref name="kind"/> (a name of <see cref="FrameKinds.All"/>), run by the service's loop.
    /// </summary>
    public static ulong Run(CacheService<int, IntPayload> service, string kind, int depth, int operations)
    {
        if (Array.IndexOf(FrameKinds.All, kind) < 0) throw new ArgumentException($"unknown frame kind '{kind}'", nameof(kind));
        if (depth < 1) throw new ArgumentOutOfRangeException(nameof(depth), "depth must be at least 1");
        using var scope = new NoSynchronizationContext();
        return Driver<int, IntPayload>.Complete(service.Loop, Drive(service, kind, depth, operations));
    }

#if !VTBENCH_RUNTIME_ASYNC
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
#endif
    private static async ValueTask<ulong> Drive(CacheService<int, IntPayload> service, string kind, int depth,
                                                int operations)
    {
        ulong checksum = 0;
        for (int i = 0; i < operations; ++i)
        {
            int key = service.NextKey();
            int value = kind switch
            {
                FrameKinds.ValueTask => await ValueTaskFrame(service, key, depth),
                FrameKinds.Task => await TaskFrame(service, key, depth),
                FrameKinds.PooledValueTask => await PooledValueTaskFrame(service, key, depth),
                FrameKinds.WrappedTask => await WrappedTaskChain(service, key, depth),
                FrameKinds.ValueTaskTwoAwaits => await TwoAwaitsFrame(service, key, depth),
                _ => throw new ArgumentException($"unknown frame kind '{kind}'", nameof(kind)),
            };
            checksum += IntPayload.Checksum(value);
        }
        return checksum;
    }
}

/// <summary>suspension: one cycle of the keys per invocation, every operation a miss through Depth frames.</summary>
public class Suspension
{
    public const int Operations = KeyPlan.DefaultKeyCount;
    private CacheService<int, IntPayload> _service = null!;

    /// <summary>The nested async frames suspended per operation (the driver's own suspension not counted).</summary>
    [ParamsSource(nameof(Depths))]
    public int Depth { get; set; }

    public static IEnumerable<int> Depths => [1, 2, 3];

    [GlobalSetup]
    public void Setup() => _service = new CacheService<int, IntPayload>(0);

    private ulong Run(string kind)
    {
        ulong checksum = SuspendedFrames.Run(_service, kind, Depth, Operations);
        if (checksum != _service.CycleChecksum || _service.Position != 0)
            throw new InvalidOperationException(
                $"wrong checksum: {checksum} over a cycle, expected {_service.CycleChecksum} (position {_service.Position})");
        return checksum;
    }

    [Benchmark(OperationsPerInvoke = Operations, Description = FrameKinds.ValueTask)]
    public ulong ValueTask() => Run(FrameKinds.ValueTask);

    [Benchmark(OperationsPerInvoke = Operations, Description = FrameKinds.Task)]
    public ulong Task() => Run(FrameKinds.Task);

    [Benchmark(OperationsPerInvoke = Operations, Description = FrameKinds.PooledValueTask)]
    public ulong PooledValueTask() => Run(FrameKinds.PooledValueTask);

    [Benchmark(OperationsPerInvoke = Operations, Description = FrameKinds.WrappedTask)]
    public ulong WrappedTask() => Run(FrameKinds.WrappedTask);

    [Benchmark(OperationsPerInvoke = Operations, Description = FrameKinds.ValueTaskTwoAwaits)]
    public ulong ValueTaskTwoAwaits() => Run(FrameKinds.ValueTaskTwoAwaits);
}
