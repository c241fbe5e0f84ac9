// One worker of the service (the C++ side's service_worker.hpp): its own loop (WorkerLoop), its
// own connections (NpgsqlDatabase) and its own cache (a CacheService over that database: nothing
// is shared between workers), and `clients` concurrent client loops on its thread.
//
// - A client: every request arrives through the loop (`await loop.Schedule()`), takes the
//   service's next key, awaits the implementation, records its latency and the value's checksum.
//   Closed loop: the next request follows the answer, until the repetition's end. Open loop:
//   requests at fixed intended times (this worker's share of the rate, the clients' phases
//   spread evenly); latency is measured from the intended time, so a backlog shows in it.
// - Failures: a query's error (the server gone, a wrong row) ends the client and then the
//   repetition with it; so does silence: no answer for AnswerTimeout while queries are out.
// Cost per request: no allocation by the worker (latencies go to a buffer allocated at
// construction; a repetition stops early when it is full); the implementation's own and the
// database's. Per repetition: one async method box per client, made before the counted window.
using System;
using System.Diagnostics;
using System.Threading.Tasks;

namespace Vtbench.Benchmarks.Service;

public enum LoadKind
{
    Closed,
    Open,
}

/// <summary>One repetition: its loop, length and (open loop) this worker's share of the rate.</summary>
public readonly record struct RepetitionPlan(LoadKind Loop, long LengthTicks, double RequestsPerSecond);

public sealed class ServiceWorker<T, TP> : IDisposable where TP : struct, IPayload<T>
{
    public static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(8);

    private readonly WorkerLoop _loop;
    private readonly NpgsqlDatabase<T, TP> _database;
    private readonly CacheService<T, TP> _service;
    private readonly int _clients;
    private readonly long[] _latencies;  // Stopwatch ticks, the repetition's first _latencyCount
    private int _latencyCount;
    private RepetitionPlan _plan;
    private long _start;
    private long _deadline;
    private int _active;
    private Exception? _failure;
    private ulong _checksum;
    private long _answered;  // requests answered since construction (the checksum's)
    private long _queriesAtStart;

    public ServiceWorker(string connectionString, bool multiplexing, double hitPercent, int clients, int latencyCapacity,
                         int group, int index)
    {
        _loop = new WorkerLoop(clients);
        _database = new NpgsqlDatabase<T, TP>(connectionString, multiplexing, _loop, clients, group, index);
        _service = new CacheService<T, TP>(hitPercent, _database);
        _clients = clients;
        _latencies = new long[latencyCapacity];
    }

    public ReadOnlySpan<long> Latencies => _latencies.AsSpan(0, _latencyCount);
    public long FinishedAt { get; private set; }
    public long Misses => _database.QueriesSent - _queriesAtStart;

    /// <summary>On the worker's thread, before the counted window: the clients of <paramref name="implementation"/>.</summary>
    public void Prepare(string implementation, RepetitionPlan plan)
    {
        _plan = plan;
        _latencyCount = 0;
        _failure = null;
        _queriesAtStart = _database.QueriesSent;
        Func<int, Task> client = ServiceImplementations.Visit(implementation, new ClientFactory(this));
        _active = _clients;
        for (int index = 0; index < _clients; ++index) _ = client(index);  // each waits for the loop first
    }

    /// <summary>On the worker's thread: runs the clients from <paramref name="start"/> until every one has finished.</summary>
    public void Run(long start)
    {
        _start = start;
        _deadline = start + _plan.LengthTicks;
        long timeout = (long)(AnswerTimeout.TotalSeconds * Stopwatch.Frequency);
        while (_active > 0)
        {
            _loop.RunReady();
            if (_active == 0) break;
            bool waitingForAnswers = _database.InFlight > 0;
            if (!waitingForAnswers && _loop.PendingTimers == 0)
                throw new InvalidOperationException("service worker: clients wait for nothing");
            if (!_loop.Wait(timeout) && waitingForAnswers &&
                Stopwatch.GetTimestamp() - Math.Max(start, _loop.LastArrival) > timeout)
                throw new DatabaseException($"no answer from the server within {AnswerTimeout.TotalSeconds:F0} s");
        }
        FinishedAt = Stopwatch.GetTimestamp();
        if (_failure is not null) throw _failure;
        _answered += _latencyCount;
        if (_checksum != _service.ExpectedChecksum(_answered))
            throw new DatabaseException("wrong results: the values received do not match the messages table");
    }

    public void Dispose() => _database.Dispose();

    private async Task Client<TCall>(int index) where TCall : struct, IServiceCall
    {
        try
        {
            long interval = _plan.Loop == LoadKind.Open
                ? (long)(_clients / _plan.RequestsPerSecond * Stopwatch.Frequency)
                : 0;
            await _loop.Schedule();  // from here on the loop runs: _start is set
            long intended = _start + interval * index / _clients;
            for (;;)
            {
                long sent;
                if (_plan.Loop == LoadKind.Open)
                {
                    if (intended >= _deadline) break;
                    await _loop.Until(intended);
                    sent = intended;
                    intended += interval;
                }
                else
                {
                    sent = Stopwatch.GetTimestamp();
                    if (sent >= _deadline) break;
                }
                if (_latencyCount == _latencies.Length) break;
                T value = await TCall.Call(_service, _service.NextKey());
                _latencies[_latencyCount++] = Stopwatch.GetTimestamp() - sent;
                _checksum += TP.Checksum(value);
                await _loop.Schedule();  // the next request arrives through the loop
            }
        }
        catch (Exception error)
        {
            _failure ??= error;
        }
        --_active;
    }

    private sealed class ClientFactory(ServiceWorker<T, TP> worker) : ServiceImplementations.ICallVisitor<Func<int, Task>>
    {
        public Func<int, Task> Visit<TCall>() where TCall : struct, IServiceCall => worker.Client<TCall>;
    }
}
