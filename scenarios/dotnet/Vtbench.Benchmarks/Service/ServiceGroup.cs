// W workers of the service on their own threads (the C++ side's worker_group), driven one
// repetition at a time: the workers prepare their clients, the main thread takes the "before"
// figures, the workers run, the main thread takes the "after" figures. The threads pass the same
// four barrier phases whatever fails, so that a failure ends with every thread waiting for the
// next command; a worker that does not come back within the repetition's length and a margin is
// a failure too. After a failure the group is left as it is (Dispose does nothing): the run
// ends, and the workers' threads are background threads that do not keep the process alive.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;

namespace Vtbench.Benchmarks.Service;

/// <summary>What one repetition measured.</summary>
public sealed record RepetitionResult(
    long Requests, double Seconds, (double P, long Ns)[] Reported, (double P, long Ns)[] Distribution,
    long ServerCpuNs, long Queries, long Misses, double CalibrationNs, ProcessCounters Counters);

public sealed class ServiceGroup<T, TP> : IDisposable where TP : struct, IPayload<T>
{
    public static readonly double[] ReportedPoints = [50, 90, 99, 99.9, 100];
    public static readonly string[] ReportedNames = ["p50", "p90", "p99", "p99.9", "max"];
    public static readonly double[] DistributionPoints = [50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 100];  // the C++ side's, holding every reported point
    private const double LatencyBufferRate = 2e7;  // requests per second a worker's buffer holds, as in C++
    private static readonly TimeSpan ReturnMargin = TimeSpan.FromSeconds(12);

    private readonly ServiceWorker<T, TP>[] _workers;
    private readonly Thread[] _threads;
    private readonly Barrier _barrier;
    private readonly Exception?[] _failures;
    private readonly long[] _merged;
    private readonly string _applicationPrefix;
    private string _implementation = "";
    private RepetitionPlan _plan;
    private long _start;
    private bool _quit;
    private bool _broken;

    public ServiceGroup(string connectionString, bool multiplexing, double hitPercent, int workers, int clients,
                        double longestSeconds, int group)
    {
        int capacity = (int)Math.Min(LatencyBufferRate * longestSeconds, Array.MaxLength / workers);
        _workers = new ServiceWorker<T, TP>[workers];
        for (int index = 0; index < workers; ++index)
            _workers[index] = new ServiceWorker<T, TP>(connectionString, multiplexing, hitPercent, clients, capacity, group, index);
        _merged = new long[capacity * workers];
        _failures = new Exception?[workers];
        _barrier = new Barrier(workers + 1);
        _applicationPrefix = NpgsqlDatabase<T, TP>.GroupApplicationName(group);
        _threads = new Thread[workers];
        for (int index = 0; index < workers; ++index)
        {
            int mine = index;
            _threads[index] = new Thread(() => Serve(mine)) { IsBackground = true, Name = $"service worker {index}" };
            _threads[index].Start();
        }
    }

    /// <summary>One repetition of <paramref name="implementation"/> on every worker.</summary>
    public RepetitionResult Repeat(string implementation, RepetitionPlan plan, ServerControl control)
    {
        try
        {
            return RepeatOnce(implementation, plan, control);
        }
        catch
        {
            _broken = true;  // the run ends: Dispose leaves the workers as they are
            throw;
        }
    }

    private RepetitionResult RepeatOnce(string implementation, RepetitionPlan plan, ServerControl control)
    {
        _implementation = implementation;
        _plan = plan;
        Array.Clear(_failures);
        string statement = NpgsqlDatabase<T, TP>.Statement;
        Exception? measuring = null;
        Phase("prepare");
        Phase("prepared");
        double calibrationBefore = 0;
        long queriesBefore = 0, serverBefore = 0;
        List<int> backends = [];
        try
        {
            calibrationBefore = MachineState.CalibrationNs();
            queriesBefore = control.CountedQueries(statement);
            backends = control.BackendPids(_applicationPrefix);
            serverBefore = ServerControl.CpuNs(backends);
        }
        catch (Exception error)
        {
            measuring = error;
        }
        ProcessCounters before = ProcessCounters.Now();
        _start = Stopwatch.GetTimestamp();
        Phase("run");
        Phase("done", _plan.LengthTicks);
        ProcessCounters counters = ProcessCounters.Now() - before;
        foreach (Exception? failure in _failures)
        {
            if (failure is not null) throw failure;
        }
        if (measuring is not null) throw measuring;
        long serverCpu = ServerControl.CpuNs(backends) - serverBefore;
        long queries = control.CountedQueries(statement) - queriesBefore;
        double calibration = Math.Max(calibrationBefore, MachineState.CalibrationNs());
        long finished = _start, misses = 0;
        int count = 0;
        foreach (ServiceWorker<T, TP> worker in _workers)
        {
            finished = Math.Max(finished, worker.FinishedAt);
            misses += worker.Misses;
            foreach (long ticks in worker.Latencies) _merged[count++] = TicksToNs(ticks);
        }
        if (count == 0) throw new DatabaseException("no request completed in the repetition");
        if (queries != misses)
            throw new DatabaseException($"the server counted {queries} queries for {misses} misses");
        Span<long> latencies = _merged.AsSpan(0, count);
        var distribution = LatencyPercentiles.Compute(latencies, DistributionPoints);
        var reported = Array.ConvertAll(ReportedPoints, p => Array.Find(distribution, point => point.P == p));
        double seconds = (finished - _start) / (double)Stopwatch.Frequency;
        return new RepetitionResult(count, seconds, reported, distribution, serverCpu, queries, misses, calibration,
                                    counters);
    }

    public void Dispose()
    {
        if (_broken) return;  // a worker may still be stuck: the process is about to end
        _quit = true;
        _barrier.SignalAndWait();
        foreach (Thread thread in _threads) thread.Join();
        foreach (ServiceWorker<T, TP> worker in _workers) worker.Dispose();
        _barrier.Dispose();
    }

    private void Serve(int index)
    {
        ServiceWorker<T, TP> mine = _workers[index];
        for (;;)
        {
            _barrier.SignalAndWait();
            if (_quit) return;
            try
            {
                mine.Prepare(_implementation, _plan);
            }
            catch (Exception error)
            {
                _failures[index] = error;
            }
            _barrier.SignalAndWait();
            _barrier.SignalAndWait();
            if (_failures[index] is null)
            {
                try
                {
                    mine.Run(_start);
                }
                catch (Exception error)
                {
                    _failures[index] = error;
                }
            }
            _barrier.SignalAndWait();
        }
    }

    private void Phase(string name, long lengthTicks = 0)
    {
        TimeSpan limit = TimeSpan.FromSeconds(lengthTicks / (double)Stopwatch.Frequency) + ReturnMargin;
        if (!_barrier.SignalAndWait(limit))
        {
            throw new DatabaseException($"a worker did not come back within {limit.TotalSeconds:F0} s (phase {name})");
        }
    }

    private static long TicksToNs(long ticks) =>
        Stopwatch.Frequency == 1_000_000_000 ? ticks : (long)(ticks * (1e9 / Stopwatch.Frequency));
}
