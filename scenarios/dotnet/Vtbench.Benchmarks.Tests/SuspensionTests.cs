// The suspension benchmark's frames (Suspension.cs): every kind and depth returns the cycle's
// checksum, and in the default build (the one these tests run) the pooled frames allocate nothing
// per operation after warm-up, so the benchmark's driver and database add no bytes of their own.
using System;
using Vtbench.Benchmarks;
using Xunit;

namespace Vtbench.Benchmarks.Tests;

public class SuspensionTests
{
    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (string kind in FrameKinds.All)
            foreach (int depth in Suspension.Depths) data.Add(kind, depth);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryKindAndDepthHasTheCycleChecksum(string kind, int depth)
    {
        var service = new CacheService<int, IntPayload>(0);
        Assert.Equal(service.CycleChecksum, SuspendedFrames.Run(service, kind, depth, service.KeyCount));
        Assert.Equal(0, service.Position);
        Assert.Equal(0, service.Loop.Pending);
    }

    /// <summary>
    /// Depths 1 and 2: the pool keeps a box per thread and one per core, so a third frame of the
    /// same method allocates (the benchmark's depth 3).
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void PooledFramesAllocateNothingAfterWarmUp(int depth)
    {
        Assert.False(RuntimeAsync.Enabled);
        var service = new CacheService<int, IntPayload>(0);
        for (int i = 0; i < 50; ++i) SuspendedFrames.Run(service, FrameKinds.PooledValueTask, depth, service.KeyCount);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; ++i) SuspendedFrames.Run(service, FrameKinds.PooledValueTask, depth, service.KeyCount);
        long perCycle = (GC.GetAllocatedBytesForCurrentThread() - before) / 20;
        Assert.True(perCycle < 100, $"pooled frames at depth {depth}: {perCycle} B per 1000 operations");
    }

    /// <summary>A compiler state machine's box: once per call of each frame, however often the frame suspends.</summary>
    [Fact]
    public void PlainFramesAllocateOnceAFramePerCall()
    {
        var service = new CacheService<int, IntPayload>(0);
        long PerOperation(string kind, int depth)
        {
            for (int i = 0; i < 5; ++i) SuspendedFrames.Run(service, kind, depth, service.KeyCount);
            long before = GC.GetAllocatedBytesForCurrentThread();
            SuspendedFrames.Run(service, kind, depth, service.KeyCount);
            return (GC.GetAllocatedBytesForCurrentThread() - before) / service.KeyCount;
        }
        long one = PerOperation(FrameKinds.ValueTask, 1);
        Assert.True(one > 0, "a suspended plain async ValueTask<int> frame allocates its box");
        Assert.Equal(3 * one, PerOperation(FrameKinds.ValueTask, 3));
        Assert.Equal(one, PerOperation(FrameKinds.ValueTaskTwoAwaits, 1));
    }

    [Fact]
    public void BadKindOrDepthIsRefused()
    {
        var service = new CacheService<int, IntPayload>(0);
        Assert.Throws<ArgumentException>(() => SuspendedFrames.Run(service, "nope", 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SuspendedFrames.Run(service, FrameKinds.Task, 0, 1));
    }
}
