// Claim C2's completed-task factories (scenarios/factory_kinds.hpp) and claim C7's copy cost
// (scenarios/copy_cost.cpp, after dotnet/performance ValueTaskPerfTest.Copy_PassAsArgumentAndReturn_*).
using System;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;

namespace Vtbench.Benchmarks;

/// <summary>
/// What a benchmark returns: the handle, wrapped so BenchmarkDotNet keeps it alive without
/// awaiting it (it awaits a returned Task or ValueTask, which would throw for from_exception).
/// </summary>
public readonly struct Held<T>(T value)
{
    public T Value { get; } = value;
}

/// <summary>One factory call per operation; the result is returned, as a caller would hold it.</summary>
public class Factory
{
    private readonly Exception _error = new InvalidOperationException("factory benchmark error");
    private readonly CancellationToken _canceled = new(canceled: true);

    [Benchmark(Description = "from_result_cached")]
    public Held<Task<int>> FromResultCached() => new(Task.FromResult(3));

    [Benchmark(Description = "from_result_cached_bool")]
    public Held<Task<bool>> FromResultCachedBool() => new(Task.FromResult(true));

    [Benchmark(Description = "from_result_uncached")]
    public Held<Task<int>> FromResultUncached() => new(Task.FromResult(1000));

    [Benchmark(Description = "completed_task")]
    public Held<Task> CompletedTask() => new(System.Threading.Tasks.Task.CompletedTask);

    [Benchmark(Description = "from_exception")]
    public Held<Task<int>> FromException() => new(Task.FromException<int>(_error));

    [Benchmark(Description = "from_canceled")]
    public Held<Task<int>> FromCanceled() => new(Task.FromCanceled<int>(_canceled));

    [Benchmark(Description = "value_task_inline")]
    public Held<ValueTask<int>> ValueTaskInline() => new(new(1000));
}

/// <summary>
/// Passing and returning the handle by value through Depth non-inlined calls. value_task is a
/// ValueTask&lt;int&gt; holding its value (16 bytes); task a Task&lt;int&gt; reference (8 bytes).
/// </summary>
public class CopyCost
{
    private ValueTask<int> _valueTask;
    private Task<int> _task = null!;

    [Params(1, 8)]
    public int Depth { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _valueTask = new ValueTask<int>(42);
        _task = Task.FromResult(42);
    }

    [Benchmark(Description = "value_task")]
    public Held<ValueTask<int>> ValueTaskCopy() => new(Depth == 8 ? PassValueTask8(_valueTask) : PassValueTask1(_valueTask));

    [Benchmark(Description = "task")]
    public Held<Task<int>> TaskCopy() => new(Depth == 8 ? PassTask8(_task) : PassTask1(_task));

    [MethodImpl(MethodImplOptions.NoInlining)] private static ValueTask<int> PassValueTask1(ValueTask<int> v) => v;
    [MethodImpl(MethodImplOptions.NoInlining)] private static ValueTask<int> PassValueTask2(ValueTask<int> v) => PassValueTask1(v);
    [MethodImpl(MethodImplOptions.NoInlining)] private static ValueTask<int> PassValueTask3(ValueTask<int> v) => PassValueTask2(v);
    [MethodImpl(MethodImplOptions.NoInlining)] private static ValueTask<int> PassValueTask4(ValueTask<int> v) => PassValueTask3(v);
    [MethodImpl(MethodImplOptions.NoInlining)] private static ValueTask<int> PassValueTask5(ValueTask<int> v) => PassValueTask4(v);
    [MethodImpl(MethodImplOptions.NoInlining)] private static ValueTask<int> PassValueTask6(ValueTask<int> v) => PassValueTask5(v);
    [MethodImpl(MethodImplOptions.NoInlining)] private static ValueTask<int> PassValueTask7(ValueTask<int> v) => PassValueTask6(v);
    [MethodImpl(MethodImplOptions.NoInlining)] private static ValueTask<int> PassValueTask8(ValueTask<int> v) => PassValueTask7(v);

    [MethodImpl(MethodImplOptions.NoInlining)] private static Task<int> PassTask1(Task<int> t) => t;
    [MethodImpl(MethodImplOptions.NoInlining)] private static Task<int> PassTask2(Task<int> t) => PassTask1(t);
    [MethodImpl(MethodImplOptions.NoInlining)] private static Task<int> PassTask3(Task<int> t) => PassTask2(t);
    [MethodImpl(MethodImplOptions.NoInlining)] private static Task<int> PassTask4(Task<int> t) => PassTask3(t);
    [MethodImpl(MethodImplOptions.NoInlining)] private static Task<int> PassTask5(Task<int> t) => PassTask4(t);
    [MethodImpl(MethodImplOptions.NoInlining)] private static Task<int> PassTask6(Task<int> t) => PassTask5(t);
    [MethodImpl(MethodImplOptions.NoInlining)] private static Task<int> PassTask7(Task<int> t) => PassTask6(t);
    [MethodImpl(MethodImplOptions.NoInlining)] private static Task<int> PassTask8(Task<int> t) => PassTask7(t);
}
