// What the process paid over a repetition, beside its time: the bytes the GC heap handed out
// (GC.GetTotalAllocatedBytes(precise: true), every thread's), the collections of each
// generation (GC.CollectionCount: a gen1 collection also counts as a gen0 one, a gen2 one as
// both), the time the GC paused the process (GC.GetTotalPauseDuration) and the process's CPU
// time (user + system, every thread: Environment.CpuUsage). Taken outside the timed window.
using System;

namespace Vtbench.Benchmarks.Service;

public readonly record struct ProcessCounters(
    long AllocatedBytes, int Gen0, int Gen1, int Gen2, TimeSpan GcPause, TimeSpan Cpu)
{
    public static ProcessCounters Now() => new(
        GC.GetTotalAllocatedBytes(precise: true), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2),
        GC.GetTotalPauseDuration(), Environment.CpuUsage.TotalTime);

    public static ProcessCounters operator -(ProcessCounters after, ProcessCounters before) => new(
        after.AllocatedBytes - before.AllocatedBytes, after.Gen0 - before.Gen0, after.Gen1 - before.Gen1,
        after.Gen2 - before.Gen2, after.GcPause - before.GcPause, after.Cpu - before.Cpu);
}
