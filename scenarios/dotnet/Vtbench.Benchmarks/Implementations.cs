// Every implementation of the article's GetMessageAsync(id), each the counterpart of the
// C++ one of the same name (scenarios/implementations.hpp). On a hit it returns the cached
// value; on a miss it asks the database (completed by the run loop) and stores the answer.
using System;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace Vtbench.Benchmarks;

/// <summary>An implementation returning the value itself.</summary>
public interface ISyncImpl
{
    static abstract T Get<T, TP>(CacheService<T, TP> service, int key) where TP : struct, IPayload<T>;
}

/// <summary>An implementation returning Task&lt;T&gt;.</summary>
public interface ITaskImpl
{
    static abstract Task<T> GetAsync<T, TP>(CacheService<T, TP> service, int key) where TP : struct, IPayload<T>;
}

/// <summary>An implementation returning ValueTask&lt;T&gt;.</summary>
public interface IValueTaskImpl
{
    static abstract ValueTask<T> GetAsync<T, TP>(CacheService<T, TP> service, int key) where TP : struct, IPayload<T>;
}

/// <summary>The implementation names, as in the C++ registry.</summary>
public static class ImplNames
{
    public const string Sync = "sync";
    public const string Task = "task";
    public const string TaskFromResult = "task_from_result";
    public const string ValueTaskCoroutine = "value_task_coroutine";
    public const string ValueTask = "value_task";
    public const string ValueTaskSource = "value_task_source";
    public const string PooledValueTask = "pooled_value_task";

    public static readonly string[] All =
        [Sync, Task, TaskFromResult, ValueTaskCoroutine, ValueTask, ValueTaskSource, PooledValueTask];
}

/// <summary>What is done with an implementation's type, by the kind of value it returns.</summary>
public interface IImplVisitor<out TResult>
{
    TResult Sync<TImpl>() where TImpl : ISyncImpl;
    TResult Task<TImpl>() where TImpl : ITaskImpl;
    TResult ValueTask<TImpl>() where TImpl : IValueTaskImpl;
}

/// <summary>The registry: each name of <see cref="ImplNames.All"/> with its type.</summary>
public static class ImplRegistry
{
    public static TResult Visit<TResult>(string impl, IImplVisitor<TResult> visitor) => impl switch
    {
        ImplNames.Sync => visitor.Sync<SyncImpl>(),
        ImplNames.Task => visitor.Task<TaskImpl>(),
        ImplNames.TaskFromResult => visitor.Task<TaskFromResultImpl>(),
        ImplNames.ValueTaskCoroutine => visitor.ValueTask<ValueTaskCoroutineImpl>(),
        ImplNames.ValueTask => visitor.ValueTask<ValueTaskImpl>(),
        ImplNames.ValueTaskSource => visitor.ValueTask<ValueTaskSourceImpl>(),
        ImplNames.PooledValueTask => visitor.ValueTask<PooledValueTaskImpl>(),
        _ => throw new ArgumentException($"unknown implementation '{impl}'", nameof(impl)),
    };
}

/// <summary>A plain method: the floor. A miss reads the database synchronously.</summary>
public readonly struct SyncImpl : ISyncImpl
{
    public static T Get<T, TP>(CacheService<T, TP> service, int key) where TP : struct, IPayload<T>
    {
        if (service.TryFind(key, out T cached)) return cached;
        T value = service.Load(key);
        service.Store(key, value);
        return value;
    }
}

/// <summary>async Task&lt;T&gt; on both paths.</summary>
public readonly struct TaskImpl : ITaskImpl
{
    public static async Task<T> GetAsync<T, TP>(CacheService<T, TP> service, int key) where TP : struct, IPayload<T>
    {
        if (service.TryFind(key, out T cached)) return cached;
        T value = await service.LoadAsync(key);
        service.Store(key, value);
        return value;
    }
}

/// <summary>The miss path as an async method: load, store, return.</summary>
public static class MissPath
{
    public static async Task<T> LoadAndStoreAsync<T, TP>(CacheService<T, TP> service, int key)
        where TP : struct, IPayload<T>
    {
        T value = await service.LoadAsync(key);
        service.Store(key, value);
        return value;
    }
}

/// <summary>Task.FromResult on a hit, an async Task&lt;T&gt; method on a miss.</summary>
public readonly struct TaskFromResultImpl : ITaskImpl
{
    public static Task<T> GetAsync<T, TP>(CacheService<T, TP> service, int key) where TP : struct, IPayload<T>
    {
        if (service.TryFind(key, out T cached)) return Task.FromResult(cached);
        return MissPath.LoadAndStoreAsync(service, key);
    }
}

/// <summary>async ValueTask&lt;T&gt;, the naive form: an async method on both paths.</summary>
public readonly struct ValueTaskCoroutineImpl : IValueTaskImpl
{
    public static async ValueTask<T> GetAsync<T, TP>(CacheService<T, TP> service, int key)
        where TP : struct, IPayload<T>
    {
        if (service.TryFind(key, out T cached)) return cached;
        T value = await service.LoadAsync(key);
        service.Store(key, value);
        return value;
    }
}

/// <summary>The article's recommendation: the value inline on a hit, a wrapped Task&lt;T&gt; on a miss.</summary>
public readonly struct ValueTaskImpl : IValueTaskImpl
{
    public static ValueTask<T> GetAsync<T, TP>(CacheService<T, TP> service, int key) where TP : struct, IPayload<T>
    {
        if (service.TryFind(key, out T cached)) return new ValueTask<T>(cached);
        return new ValueTask<T>(MissPath.LoadAndStoreAsync(service, key));
    }
}

/// <summary>
/// The value inline on a hit; on a miss a pooled IValueTaskSource&lt;T&gt; (on
/// ManualResetValueTaskSourceCore&lt;T&gt;) that the database completes. The pool is per thread,
/// 64 sources as in C++ (the service's most requests in flight per thread); when it is empty the miss falls back to a wrapped Task&lt;T&gt;.
/// </summary>
public readonly struct ValueTaskSourceImpl : IValueTaskImpl
{
    public const int PoolCapacity = 64;

    public static ValueTask<T> GetAsync<T, TP>(CacheService<T, TP> service, int key) where TP : struct, IPayload<T>
    {
        if (service.TryFind(key, out T cached)) return new ValueTask<T>(cached);
        PooledSource<T, TP>? source = PooledSource<T, TP>.Rent();
        if (source is null) return new ValueTask<T>(MissPath.LoadAndStoreAsync(service, key));
        return source.Start(service, key);
    }
}

/// <summary>
/// A reusable, token-checked source: GetResult resets it (bumping its version) and returns it
/// to the calling thread's pool, so a ValueTask copied before that now holds a stale token.
/// </summary>
public sealed class PooledSource<T, TP> : IValueTaskSource<T>, IDbCompletion<T> where TP : struct, IPayload<T>
{
    [ThreadStatic] private static PooledSource<T, TP>?[]? t_pool;
    [ThreadStatic] private static int t_count;

    private ManualResetValueTaskSourceCore<T> _core;
    private CacheService<T, TP>? _service;

    /// <summary>A source from the thread's pool (filled with PoolCapacity sources on first use), or null if all are out.</summary>
    public static PooledSource<T, TP>? Rent()
    {
        PooledSource<T, TP>?[]? pool = t_pool;
        if (pool is null)
        {
            pool = t_pool = new PooledSource<T, TP>?[ValueTaskSourceImpl.PoolCapacity];
            for (int i = 0; i < pool.Length; ++i) pool[i] = new PooledSource<T, TP>();
            t_count = pool.Length;
        }
        if (t_count == 0) return null;
        PooledSource<T, TP> source = pool[--t_count]!;
        pool[t_count] = null;
        return source;
    }

    private static void Return(PooledSource<T, TP> source)
    {
        PooledSource<T, TP>?[]? pool = t_pool;
        if (pool is not null && t_count < pool.Length) pool[t_count++] = source;
    }

    /// <summary>Sources held by the calling thread's pool (for tests).</summary>
    public static int Available => t_pool is null ? ValueTaskSourceImpl.PoolCapacity : t_count;

    public short Version => _core.Version;

    public ValueTask<T> Start(CacheService<T, TP> service, int key)
    {
        _service = service;
        var pending = new ValueTask<T>(this, _core.Version);
        service.BeginLoad(key, this);
        return pending;
    }

    /// <summary>Completes the current operation directly (misuse cases and tests).</summary>
    public void SetResult(T value) => _core.SetResult(value);

    void IDbCompletion<T>.Complete(int key, T value)
    {
        _service!.Store(key, value);
        _service = null;
        _core.SetResult(value);
    }

    void IDbCompletion<T>.Fail(Exception error)
    {
        _service = null;
        _core.SetException(error);
    }

    public T GetResult(short token)
    {
        T value = _core.GetResult(token);
        _core.Reset();
        Return(this);
        return value;
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token,
                            ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}

/// <summary>.NET 6's PoolingAsyncValueTaskMethodBuilder: an async method on both paths, its box pooled.</summary>
public readonly struct PooledValueTaskImpl : IValueTaskImpl
{
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<T> GetAsync<T, TP>(CacheService<T, TP> service, int key)
        where TP : struct, IPayload<T>
    {
        if (service.TryFind(key, out T cached)) return cached;
        T value = await service.LoadAsync(key);
        service.Store(key, value);
        return value;
    }
}
