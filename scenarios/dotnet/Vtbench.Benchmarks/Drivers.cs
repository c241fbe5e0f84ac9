// How an implementation's operations are awaited (scenarios/drivers.hpp): one driver runs a
// whole batch of operations, awaiting each at once, and the benchmark runs the service's loop
// until the driver is done. The driver is an async method whose box is pooled
// (PoolingAsyncValueTaskMethodBuilder), so after warm-up it allocates nothing itself: what a
// benchmark counts per operation is the implementation's own. In the runtime-async build the
// drivers are plain async methods (the preview ignores [AsyncMethodBuilder]: Suspension.cs's
// pooled frames allocate as the plain ones there), which allocate on every suspension: the
// driver benchmarks (loop_round_trip) measure that part of each miss.
using System;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace Vtbench.Benchmarks;

public static class Driver<T, TP> where TP : struct, IPayload<T>
{
    /// <summary>Plain calls (the sync implementation): the same loop without awaits.</summary>
    public static ulong RunSync<TImpl>(CacheService<T, TP> service, int operations) where TImpl : ISyncImpl
    {
        ulong checksum = 0;
        for (int i = 0; i < operations; ++i) checksum += TP.Checksum(TImpl.Get(service, service.NextKey()));
        return checksum;
    }

    public static ulong RunTask<TImpl>(CacheService<T, TP> service, int operations) where TImpl : ITaskImpl
    {
        using var scope = new NoSynchronizationContext();
        return Complete(service.Loop, DriveTask<TImpl>(service, operations));
    }

    public static ulong RunValueTask<TImpl>(CacheService<T, TP> service, int operations) where TImpl : IValueTaskImpl
    {
        using var scope = new NoSynchronizationContext();
        return Complete(service.Loop, DriveValueTask<TImpl>(service, operations));
    }

    /// <summary>The driver's own cost, hit path: the loop and the key, no lookup (checksum: the keys).</summary>
    public static ulong RunEmpty(CacheService<T, TP> service, int operations)
    {
        ulong checksum = 0;
        for (int i = 0; i < operations; ++i) checksum += (ulong)service.NextKey();
        return checksum;
    }

    /// <summary>
    /// The driver's own cost, miss path: every operation awaits the database request itself
    /// (post, loop turn, resume, making the payload), with no cache and no implementation.
    /// </summary>
    public static ulong RunLoopRoundTrip(CacheService<T, TP> service, int operations)
    {
        using var scope = new NoSynchronizationContext();
        return Complete(service.Loop, DriveRoundTrip(service, operations));
    }

    /// <summary>Runs the loop until the driver completes, then reads its result (once).</summary>
    public static ulong Complete(RunLoop loop, ValueTask<ulong> driver)
    {
        while (!driver.IsCompleted)
        {
            if (!loop.RunOne())
                throw new InvalidOperationException("driver: the loop ran dry before the operations completed");
        }
        return driver.Result;
    }

#if !VTBENCH_RUNTIME_ASYNC
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
#endif
    private static async ValueTask<ulong> DriveTask<TImpl>(CacheService<T, TP> service, int operations)
        where TImpl : ITaskImpl
    {
        ulong checksum = 0;
        for (int i = 0; i < operations; ++i) checksum += TP.Checksum(await TImpl.GetAsync(service, service.NextKey()));
        return checksum;
    }

#if !VTBENCH_RUNTIME_ASYNC
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
#endif
    private static async ValueTask<ulong> DriveValueTask<TImpl>(CacheService<T, TP> service, int operations)
        where TImpl : IValueTaskImpl
    {
        ulong checksum = 0;
        for (int i = 0; i < operations; ++i) checksum += TP.Checksum(await TImpl.GetAsync(service, service.NextKey()));
        return checksum;
    }

#if !VTBENCH_RUNTIME_ASYNC
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
#endif
    private static async ValueTask<ulong> DriveRoundTrip(CacheService<T, TP> service, int operations)
    {
        ulong checksum = 0;
        for (int i = 0; i < operations; ++i) checksum += TP.Checksum(await service.LoadAsync(service.NextKey()));
        return checksum;
    }
}

/// <summary>
/// Clears the thread's SynchronizationContext for a driver's run (a test runner installs one),
/// so every continuation runs inline on the loop, as in the benchmarks; restores it after.
/// </summary>
public readonly struct NoSynchronizationContext : IDisposable
{
    private readonly SynchronizationContext? _saved;

    public NoSynchronizationContext()
    {
        _saved = SynchronizationContext.Current;
        if (_saved is not null) SynchronizationContext.SetSynchronizationContext(null);
    }

    public void Dispose()
    {
        if (_saved is not null) SynchronizationContext.SetSynchronizationContext(_saved);
    }
}

/// <summary>Runs one implementation by its registry name (tests, the smoke mode).</summary>
public static class ImplRunner
{
    public static ulong Run<T, TP>(string impl, CacheService<T, TP> service, int operations)
        where TP : struct, IPayload<T> => ImplRegistry.Visit(impl, new Runner<T, TP>(service, operations));

    private sealed class Runner<T, TP>(CacheService<T, TP> service, int operations) : IImplVisitor<ulong>
        where TP : struct, IPayload<T>
    {
        public ulong Sync<TImpl>() where TImpl : ISyncImpl => Driver<T, TP>.RunSync<TImpl>(service, operations);
        public ulong Task<TImpl>() where TImpl : ITaskImpl => Driver<T, TP>.RunTask<TImpl>(service, operations);

        public ulong ValueTask<TImpl>() where TImpl : IValueTaskImpl =>
            Driver<T, TP>.RunValueTask<TImpl>(service, operations);
    }
}
