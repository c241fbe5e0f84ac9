// Claim C1 (and C7's sizes): what one operation holds while it is suspended, as
// scenarios/footprint.cpp measures it in C++: 100,000 operations held at once, the bytes that
// starting them allocated read from the GC's per-thread allocation counter
// (GC.GetAllocatedBytesForCurrentThread), not from sizeof. What each operation waits on (a
// gate the run loop opens) and the caller's handle array are allocated before counting starts.
using System;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace Vtbench.Benchmarks;

public static class Footprint
{
    public const int Operations = 100_000;
    /// <summary>The value every held operation completes with (outside Task&lt;int&gt;'s cached -1..8).</summary>
    public const int Held = 1000;

    /// <summary>What a held operation waits on: a reusable source the loop completes.</summary>
    private sealed class Gate : IValueTaskSource, IWorkItem
    {
        private ManualResetValueTaskSourceCore<bool> _core;
        public ValueTask Wait() => new(this, _core.Version);
        public void Execute() => _core.SetResult(true);
        public void GetResult(short token) => _core.GetResult(token);
        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token,
                                ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }

    private sealed class CompleteSource(PooledSource<int, IntPayload> source) : IWorkItem
    {
        public void Execute() => source.SetResult(Held);
    }

    private static async Task<int> SuspendedTask(Gate gate)
    {
        await gate.Wait();
        return Held;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<int> SuspendedPooled(Gate gate)
    {
        await gate.Wait();
        return Held;
    }

    public sealed record Row(string Impl, string Handle, double BytesPerOp, long TotalBytes, int HandleSizeof);

    /// <summary>Holds <paramref name="count"/> operations of one kind, measures, completes and checks them.</summary>
    public static Row Measure(string impl, int count = Operations)
    {
        using var scope = new NoSynchronizationContext();
        var loop = new RunLoop(count + 16);
        var gates = new Gate[count];
        for (int i = 0; i < count; ++i) gates[i] = new Gate();
        var handles = new ValueTask<int>[count];
        var tasks = new Task<int>[count];
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = GC.GetAllocatedBytesForCurrentThread();
        switch (impl)
        {
            case "task":
                for (int i = 0; i < count; ++i) tasks[i] = SuspendedTask(gates[i]);
                break;
            case "value_task_inline":
                for (int i = 0; i < count; ++i) handles[i] = new ValueTask<int>(Held);
                break;
            case "value_task_wrapping_task":
                for (int i = 0; i < count; ++i) handles[i] = new ValueTask<int>(SuspendedTask(gates[i]));
                break;
            case "value_task_source":
                // A pool that can lend a source to every operation, new: its sources are counted.
                for (int i = 0; i < count; ++i)
                {
                    var source = new PooledSource<int, IntPayload>();
                    handles[i] = new ValueTask<int>(source, source.Version);
                }
                break;
            case "pooled_value_task":
                for (int i = 0; i < count; ++i) handles[i] = SuspendedPooled(gates[i]);
                break;
            default:
                throw new ArgumentException($"unknown footprint kind '{impl}'", nameof(impl));
        }
        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;

        foreach (Gate gate in gates) loop.Post(gate);
        if (impl == "value_task_source")
        {
            foreach (ValueTask<int> handle in handles)
                loop.Post(new CompleteSource((PooledSource<int, IntPayload>)GetSource(handle)));
        }
        loop.Run();
        long sum = 0;
        if (impl == "task")
        {
            foreach (Task<int> task in tasks) sum += task.IsCompletedSuccessfully ? task.Result : 0;
        }
        else
        {
            foreach (ValueTask<int> handle in handles) sum += handle.IsCompletedSuccessfully ? handle.Result : 0;
        }
        if (sum != (long)count * Held)
            throw new InvalidOperationException($"footprint {impl}: not every held operation completed with its value");
        string handleType = impl == "task" ? "Task<int>" : "ValueTask<int>";
        int handleSize = impl == "task" ? Unsafe.SizeOf<Task<int>>() : Unsafe.SizeOf<ValueTask<int>>();
        return new Row(impl, handleType, (double)bytes / count, bytes, handleSize);
    }

    // ValueTask<T> keeps its source private; the footprint only needs it back to complete it.
    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_obj")]
    private static extern ref readonly object? ObjField(ref readonly ValueTask<int> valueTask);

    private static object GetSource(ValueTask<int> handle) =>
        ObjField(in handle) ?? throw new InvalidOperationException("footprint: the ValueTask has no source");

    /// <summary>Bytes one call allocates, averaged over <paramref name="count"/> calls.</summary>
    private static double BytesPerCall(Func<object> call, int count = Operations)
    {
        var keep = new object[count];
        for (int i = 0; i < 1000; ++i) _ = call();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < count; ++i) keep[i] = call();
        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        GC.KeepAlive(keep);
        return (double)bytes / count;
    }

    public static readonly string[] Kinds =
        ["task", "value_task_inline", "value_task_wrapping_task", "value_task_source", "pooled_value_task"];

    public static JsonObject Run()
    {
        foreach (string kind in Kinds) Measure(kind, 1000);  // JIT and type loading outside the counted pass
        var rows = new JsonArray();
        foreach (string kind in Kinds)
        {
            Row row = Measure(kind);
            rows.Add(new JsonObject
            {
                ["impl"] = row.Impl,
                ["handle"] = row.Handle,
                ["bytes_per_op"] = row.BytesPerOp,
                ["total_bytes"] = row.TotalBytes,
                ["handle_sizeof"] = row.HandleSizeof,
            });
        }
        return new JsonObject
        {
            ["runtime"] = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
            ["ops"] = Operations,
            ["counter"] = "GC.GetAllocatedBytesForCurrentThread",
            ["rows"] = rows,
            ["sizeof"] = new JsonObject
            {
                ["ValueTask<int>"] = Unsafe.SizeOf<ValueTask<int>>(),
                ["ValueTask<string>"] = Unsafe.SizeOf<ValueTask<string>>(),
                ["ValueTask"] = Unsafe.SizeOf<ValueTask>(),
                ["Task<int>"] = Unsafe.SizeOf<Task<int>>(),
            },
            ["completed_task_bytes"] = new JsonObject
            {
                ["Task.FromResult(1000)"] = BytesPerCall(() => Task.FromResult(1000)),
                ["Task.FromResult(3)"] = BytesPerCall(() => Task.FromResult(3)),
                ["Task.FromResult(true)"] = BytesPerCall(() => Task.FromResult(true)),
                ["Task.CompletedTask"] = BytesPerCall(() => Task.CompletedTask),
            },
        };
    }
}
