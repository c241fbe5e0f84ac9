// How a service client calls each implementation, one value-task shape for all: the sync
// implementation's value (already there: awaiting it does not suspend), a Task<T> wrapped in a
// ValueTask<T> (awaiting it registers the same continuation on the Task as awaiting the Task),
// or the ValueTask<T> itself; and bare_query, the database request awaited directly, with no
// cache and no implementation (Npgsql's own cost per query, and the loop's).
using System.Threading.Tasks;

namespace Vtbench.Benchmarks.Service;

public interface IServiceCall
{
    static abstract ValueTask<T> Call<T, TP>(CacheService<T, TP> service, int key) where TP : struct, IPayload<T>;
}

public readonly struct SyncCall<TImpl> : IServiceCall where TImpl : ISyncImpl
{
    public static ValueTask<T> Call<T, TP>(CacheService<T, TP> service, int key) where TP : struct, IPayload<T> =>
        new(TImpl.Get(service, key));
}

public readonly struct TaskCall<TImpl> : IServiceCall where TImpl : ITaskImpl
{
    public static ValueTask<T> Call<T, TP>(CacheService<T, TP> service, int key) where TP : struct, IPayload<T> =>
        new(TImpl.GetAsync(service, key));
}

public readonly struct ValueTaskCall<TImpl> : IServiceCall where TImpl : IValueTaskImpl
{
    public static ValueTask<T> Call<T, TP>(CacheService<T, TP> service, int key) where TP : struct, IPayload<T> =>
        TImpl.GetAsync(service, key);
}

public readonly struct BareQueryCall : IServiceCall
{
    public static ValueTask<T> Call<T, TP>(CacheService<T, TP> service, int key) where TP : struct, IPayload<T> =>
        service.LoadAsync(key);
}

/// <summary>The service's implementations: the registry's, and bare_query.</summary>
public static class ServiceImplementations
{
    public const string BareQuery = "bare_query";

    public static readonly string[] All = [.. ImplNames.All, BareQuery];

    /// <summary>What the visitor does with the call of <paramref name="name"/>.</summary>
    public static TResult Visit<TResult>(string name, ICallVisitor<TResult> visitor) =>
        name == BareQuery ? visitor.Visit<BareQueryCall>() : ImplRegistry.Visit(name, new Adapter<TResult>(visitor));

    public interface ICallVisitor<out TResult>
    {
        TResult Visit<TCall>() where TCall : struct, IServiceCall;
    }

    private sealed class Adapter<TResult>(ICallVisitor<TResult> visitor) : IImplVisitor<TResult>
    {
        public TResult Sync<TImpl>() where TImpl : ISyncImpl => visitor.Visit<SyncCall<TImpl>>();
        public TResult Task<TImpl>() where TImpl : ITaskImpl => visitor.Visit<TaskCall<TImpl>>();
        public TResult ValueTask<TImpl>() where TImpl : IValueTaskImpl => visitor.Visit<ValueTaskCall<TImpl>>();
    }
}
