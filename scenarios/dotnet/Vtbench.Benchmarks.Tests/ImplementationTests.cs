using System;
using System.Linq;
using System.Threading.Tasks;
using Vtbench.Benchmarks;
using Xunit;

namespace Vtbench.Benchmarks.Tests;

public class ImplementationTests
{
    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (string impl in ImplNames.All)
            foreach (int hit in new[] { 0, 1, 50, 90, 100 }) data.Add(impl, hit);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void IntCyclesHaveTheExpectedChecksum(string impl, int hit)
    {
        var service = new CacheService<int, IntPayload>(hit);
        Assert.Equal(service.CycleChecksum, ImplRunner.Run(impl, service, service.KeyCount));
        Assert.Equal(service.ExpectedChecksum(1300), service.CycleChecksum + ImplRunner.Run(impl, service, 300));
        Assert.Equal(0, service.Loop.Pending);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void StringCyclesHaveTheExpectedChecksum(string impl, int hit)
    {
        var service = new CacheService<string, StringPayload>(hit);
        Assert.Equal(service.CycleChecksum, ImplRunner.Run(impl, service, service.KeyCount));
        Assert.Equal(0, service.Loop.Pending);
    }

    private static T Await<T>(RunLoop loop, ValueTask<T> pending)
    {
        while (!pending.IsCompleted) Assert.True(loop.RunOne(), "the loop ran dry before the operation completed");
        return pending.Result;
    }

    /// <summary>One call of the implementation the registry names, as a ValueTask whatever it returns.</summary>
    private static ValueTask<T> Call<T, TP>(string impl, CacheService<T, TP> service, int key)
        where TP : struct, IPayload<T> => ImplRegistry.Visit(impl, new OneCall<T, TP>(service, key));

    private sealed class OneCall<T, TP>(CacheService<T, TP> service, int key) : IImplVisitor<ValueTask<T>>
        where TP : struct, IPayload<T>
    {
        public ValueTask<T> Sync<TImpl>() where TImpl : ISyncImpl => new(TImpl.Get(service, key));
        public ValueTask<T> Task<TImpl>() where TImpl : ITaskImpl => new(TImpl.GetAsync(service, key));
        public ValueTask<T> ValueTask<TImpl>() where TImpl : IValueTaskImpl => TImpl.GetAsync(service, key);
    }

    public static TheoryData<string> Names() => new(ImplNames.All);

    [Theory]
    [MemberData(nameof(Names))]
    public void HitsCompleteAtOnceAndMissesGoThroughTheLoop(string impl)
    {
        using var scope = new NoSynchronizationContext();
        var service = new CacheService<string, StringPayload>(50);
        int hitKey = service.Plan.CachedOrder[0], missKey = service.Plan.CachedOrder[999];
        ValueTask<string> hit = Call(impl, service, hitKey);
        Assert.True(hit.IsCompleted);
        Assert.Equal(0, service.Loop.Pending);
        Assert.Equal(StringPayload.Make(hitKey), hit.Result);

        for (int round = 0; round < 3; ++round)
        {
            ValueTask<string> miss = Call(impl, service, missKey);
            Assert.Equal(impl == ImplNames.Sync ? 0 : 1, service.Loop.Pending);
            Assert.Equal(impl == ImplNames.Sync, miss.IsCompleted);
            Assert.Equal(StringPayload.Make(missKey), Await(service.Loop, miss));
            Assert.False(service.TryFind(missKey, out _), "a missing key must stay a miss");
        }
    }

    [Fact]
    public void OneDatabaseRequestAtATime()
    {
        var service = new CacheService<int, IntPayload>(0);
        _ = service.LoadAsync(1);
        Assert.Throws<InvalidOperationException>(() => service.LoadAsync(2));
    }

    [Fact]
    public void PooledSourceRefusesAStaleToken()
    {
        using var scope = new NoSynchronizationContext();
        var service = new CacheService<int, IntPayload>(0);
        ValueTask<int> first = ValueTaskSourceImpl.GetAsync(service, 5);
        ValueTask<int> copy = first;  // a struct copy: the same source and token
        Assert.Equal(IntPayload.Make(5), Await(service.Loop, first));
        // The source was reset (its version bumped) and returned to the pool.
        Assert.Throws<InvalidOperationException>(() => copy.IsCompleted);
        Assert.Throws<InvalidOperationException>(() => copy.Result);
        ValueTask<int> second = ValueTaskSourceImpl.GetAsync(service, 6);  // reuses the same source
        Assert.Throws<InvalidOperationException>(() => copy.Result);
        Assert.Equal(IntPayload.Make(6), Await(service.Loop, second));
    }

    [Fact]
    public void PooledSourceGoesBackToThePoolAfterGetResult()
    {
        using var scope = new NoSynchronizationContext();
        var service = new CacheService<int, IntPayload>(0);
        _ = PooledSource<int, IntPayload>.Rent();  // fills the pool on first use
        int available = PooledSource<int, IntPayload>.Available;
        ValueTask<int> pending = ValueTaskSourceImpl.GetAsync(service, 7);
        Assert.Equal(available - 1, PooledSource<int, IntPayload>.Available);
        Assert.Equal(IntPayload.Make(7), Await(service.Loop, pending));
        Assert.Equal(available, PooledSource<int, IntPayload>.Available);
    }

    [Fact]
    public void PooledSourceTokenChangesOnReuse()
    {
        PooledSource<int, IntPayload> source = PooledSource<int, IntPayload>.Rent()!;
        short before = source.Version;
        source.SetResult(42);
        Assert.Equal(42, source.GetResult(before));
        Assert.NotEqual(before, source.Version);
        Assert.Throws<InvalidOperationException>(() => source.GetResult(before));
        Assert.Throws<InvalidOperationException>(() => source.GetStatus(before));
    }

    [Theory]
    [InlineData(ImplNames.ValueTask, 100)]
    [InlineData(ImplNames.ValueTaskSource, 100)]
    [InlineData(ImplNames.ValueTaskSource, 0)]
    [InlineData(ImplNames.PooledValueTask, 0)]
    [InlineData(ImplNames.Sync, 0)]
    public void AllocationFreeCasesAllocateNothingPerOperation(string impl, int hit)
    {
        var service = new CacheService<int, IntPayload>(hit);
        for (int i = 0; i < 50; ++i) ImplRunner.Run(impl, service, service.KeyCount);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; ++i) ImplRunner.Run(impl, service, service.KeyCount);
        long perCycle = (GC.GetAllocatedBytesForCurrentThread() - before) / 20;
        Assert.True(perCycle < 100, $"{impl} at {hit} %: {perCycle} B per 1000 operations");
    }

    [Fact]
    public void AsyncTaskAllocatesOnEveryHit()
    {
        var service = new CacheService<int, IntPayload>(100);
        for (int i = 0; i < 5; ++i) ImplRunner.Run(ImplNames.Task, service, service.KeyCount);
        long before = GC.GetAllocatedBytesForCurrentThread();
        ImplRunner.Run(ImplNames.Task, service, service.KeyCount);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before >= 64 * 1000);
    }

    [Fact]
    public void RunLoopIsFifoAndGrows()
    {
        var loop = new RunLoop(2);
        var order = new System.Collections.Generic.List<int>();
        var items = Enumerable.Range(0, 5).Select(i => new Item(order, i)).ToArray();
        foreach (var item in items) loop.Post(item);
        Assert.Equal(5, loop.Pending);
        loop.Run();
        Assert.Equal(new[] { 0, 1, 2, 3, 4 }, order);
        Assert.False(loop.RunOne());
    }

    private sealed class Item(System.Collections.Generic.List<int> order, int id) : IWorkItem
    {
        public void Execute() => order.Add(id);
    }
}
