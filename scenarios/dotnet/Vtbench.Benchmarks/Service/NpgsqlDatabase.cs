// The service's database (the C++ side's pg_database.hpp): every miss is a query to the run's
// PostgreSQL server through Npgsql, `SELECT id, <payload>_payload FROM messages WHERE id = $1`.
//
// - The async misses (LoadAsync, BeginLoad) go through the worker's own NpgsqlDataSource: in
//   Multiplexing mode (the default) with one connection (Max Pool Size=1), the requests in flight
//   share it, pipelined, as the C++ side's libpq pipeline does; without multiplexing, with a pool
//   of one connection per request in flight (each query rents one and gives it back, as an
//   application's `await using` connection does). Npgsql prepares the statement on each
//   connection's first use of it (Max Auto Prepare; a data source's command cannot be prepared
//   explicitly). Each request in flight has its own command, from a free list of as many as the
//   worker's clients. Npgsql
//   completes the query on the thread pool; the request then posts itself to the worker's loop,
//   which completes the caller there (IDbCompletion, or the awaiting method's IValueTaskSource).
// - The sync implementation's miss (Load) is a blocking ExecuteReader on a second connection
//   without multiplexing (Npgsql refuses synchronous I/O when multiplexing), its command
//   explicitly prepared.
// - Every answer's id must be the key asked for, and its payload is read as the payload type; a
//   missing or wrong row is a DatabaseException. (The scenario's checksum checks the values.)
//
// Cost: the free list and the commands are allocated at construction; per query, what Npgsql
// and the Task machinery between it and the loop allocate (the query method's state machine
// box is pooled: PoolingAsyncValueTaskMethodBuilder). The bare_query implementation measures
// exactly that.
using System;
using System.Data;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;
using Npgsql;

namespace Vtbench.Benchmarks.Service;

/// <summary>The database answered wrongly, or not at all.</summary>
public sealed class DatabaseException(string message, Exception? inner = null) : Exception(message, inner);

public sealed class NpgsqlDatabase<T, TP> : IDatabase<T>, IDisposable where TP : struct, IPayload<T>
{
    /// <summary>The application name of a worker group's connections (pg_stat_activity finds their backends by it).</summary>
    public static string GroupApplicationName(int group) =>
        string.Create(CultureInfo.InvariantCulture, $"vtbench-dotnet-{Environment.ProcessId}-g{group}-");

    /// <summary>The application name of one worker's connections.</summary>
    public static string ApplicationName(int group, int worker) =>
        GroupApplicationName(group) + worker.ToString(CultureInfo.InvariantCulture);

    /// <summary>The statement, as the C++ side sends it (pg_stat_statements counts both alike).</summary>
    public static string Statement => $"SELECT id, {TP.Name}_payload FROM messages WHERE id = $1";

    private readonly WorkerLoop _loop;
    private readonly NpgsqlDataSource _multiplexed;
    private readonly NpgsqlDataSource _blockingSource;
    private readonly NpgsqlConnection _blocking;
    private readonly NpgsqlCommand _blockingCommand;
    private readonly NpgsqlParameter<int> _blockingKey;
    private readonly Request[] _free;
    private int _freeCount;

    /// <summary>The connections a worker opens: its async pool's and the blocking one.</summary>
    public static int Connections(bool multiplexing, int maxInFlight) => (multiplexing ? 1 : maxInFlight) + 1;

    public NpgsqlDatabase(string connectionString, bool multiplexing, WorkerLoop loop, int maxInFlight, int group,
                          int worker)
    {
        _loop = loop;
        var multiplexed = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Multiplexing = multiplexing,
            MaxPoolSize = Connections(multiplexing, maxInFlight) - 1,
            MinPoolSize = Connections(multiplexing, maxInFlight) - 1,
            MaxAutoPrepare = 4,
            AutoPrepareMinUsages = 1,
            ApplicationName = ApplicationName(group, worker),
        };
        _multiplexed = NpgsqlDataSource.Create(multiplexed);
        var blocking = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Multiplexing = false,
            MaxPoolSize = 1,
            ApplicationName = ApplicationName(group, worker),
        };
        _blockingSource = NpgsqlDataSource.Create(blocking);
        _blocking = _blockingSource.OpenConnection();
        _blockingKey = new NpgsqlParameter<int> { TypedValue = 0 };
        _blockingCommand = new NpgsqlCommand(Statement, _blocking) { Parameters = { _blockingKey } };
        _blockingCommand.Prepare();
        _free = new Request[maxInFlight];
        for (int i = 0; i < maxInFlight; ++i) _free[i] = new Request(this);
        _freeCount = maxInFlight;
    }

    /// <summary>Queries sent since construction (each a miss).</summary>
    public long QueriesSent { get; private set; }

    /// <summary>Queries sent and not yet answered on the loop.</summary>
    public int InFlight => _free.Length - _freeCount;

    public T Load(int key)
    {
        ++QueriesSent;
        _blockingKey.TypedValue = key;
        using NpgsqlDataReader reader = _blockingCommand.ExecuteReader(CommandBehavior.SingleRow);
        if (!reader.Read()) throw new DatabaseException($"no row: the query for key {key} answered none");
        return Checked(key, reader.GetInt32(0), reader.GetFieldValue<T>(1));
    }

    public ValueTask<T> LoadAsync(int key)
    {
        Request request = Rent();
        var pending = new ValueTask<T>(request, request.Version);
        request.Start(key, request);
        return pending;
    }

    public void BeginLoad(int key, IDbCompletion<T> completion) => Rent().Start(key, completion);

    public void Dispose()
    {
        _blockingCommand.Dispose();
        _blocking.Dispose();
        _blockingSource.Dispose();
        _multiplexed.Dispose();
    }

    private Request Rent()
    {
        if (_freeCount == 0)
            throw new InvalidOperationException("NpgsqlDatabase: more requests in flight than it was made for");
        ++QueriesSent;
        Request request = _free[--_freeCount];
        _free[_freeCount] = null!;
        return request;
    }

    private void Release(Request request) => _free[_freeCount++] = request;

    private static T Checked(int key, int id, T value) => id == key
        ? value
        : throw new DatabaseException($"wrong row: the query for key {key} answered id {id}");

    /// <summary>One query in flight: its command, the caller to tell, and the caller's awaitable.</summary>
    private sealed class Request : IWorkItem, IValueTaskSource<T>, IDbCompletion<T>
    {
        private readonly NpgsqlDatabase<T, TP> _owner;
        private readonly NpgsqlCommand _command;
        private readonly NpgsqlParameter<int> _parameter = new() { TypedValue = 0 };
        private readonly Action _onQueryDone;
        private ConfiguredValueTaskAwaitable<T>.ConfiguredValueTaskAwaiter _query;
        private ManualResetValueTaskSourceCore<T> _core;
        private IDbCompletion<T>? _completion;
        private int _key;
        private T _value = default!;
        private Exception? _error;

        public Request(NpgsqlDatabase<T, TP> owner)
        {
            _owner = owner;
            _command = owner._multiplexed.CreateCommand(Statement);
            _command.Parameters.Add(_parameter);
            _onQueryDone = OnQueryDone;
        }

        public short Version => _core.Version;

        public void Start(int key, IDbCompletion<T> completion)
        {
            _key = key;
            _completion = completion;
            _parameter.TypedValue = key;
            try
            {
                _query = QueryAsync().ConfigureAwait(false).GetAwaiter();
            }
            catch (Exception error)
            {
                _error = error;
                _owner._loop.PostFromAnyThread(this);
                return;
            }
            if (_query.IsCompleted) OnQueryDone();
            else _query.UnsafeOnCompleted(_onQueryDone);
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
        private async ValueTask<T> QueryAsync()
        {
            NpgsqlDataReader reader = await _command.ExecuteReaderAsync(CommandBehavior.SingleRow).ConfigureAwait(false);
            try
            {
                if (!await reader.ReadAsync().ConfigureAwait(false))
                    throw new DatabaseException($"no row: the query for key {_key} answered none");
                return Checked(_key, reader.GetInt32(0), reader.GetFieldValue<T>(1));
            }
            finally
            {
                await reader.DisposeAsync().ConfigureAwait(false);
            }
        }

        // On the thread that completed the query (Npgsql's): the answer goes to the worker's loop.
        private void OnQueryDone()
        {
            try
            {
                _value = _query.GetResult();
            }
            catch (Exception error)
            {
                _error = error;
            }
            _query = default;
            _owner._loop.PostFromAnyThread(this);
        }

        // On the worker's loop.
        public void Execute()
        {
            IDbCompletion<T> completion = _completion!;
            T value = _value;
            Exception? error = _error;
            int key = _key;
            _completion = null;
            _value = default!;
            _error = null;
            if (!ReferenceEquals(completion, this)) _owner.Release(this);  // LoadAsync's: at GetResult
            if (error is null) completion.Complete(key, value);
            else completion.Fail(error);
        }

        void IDbCompletion<T>.Complete(int key, T value) => _core.SetResult(value);

        void IDbCompletion<T>.Fail(Exception error) => _core.SetException(error);

        public T GetResult(short token)
        {
            try
            {
                return _core.GetResult(token);
            }
            finally
            {
                _core.Reset();
                _owner.Release(this);
            }
        }

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token,
                                ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}
