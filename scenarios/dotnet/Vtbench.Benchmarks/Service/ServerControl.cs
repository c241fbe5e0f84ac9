// The service's own connection to the server, outside the workers' (no multiplexing): the
// server's version, the executions of the scenario's statement the server counted
// (pg_stat_statements' calls; pg_server.py preloads the extension), and the CPU time of the
// backends that serve the workers (found by their application name in pg_stat_activity; their
// time on a CPU from /proc/<pid>/schedstat, as the C++ side's cpu_time.hpp reads it).
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using Npgsql;

namespace Vtbench.Benchmarks.Service;

public sealed class ServerControl : IDisposable
{
    private readonly NpgsqlDataSource _source;
    private readonly NpgsqlConnection _connection;

    public ServerControl(string connectionString)
    {
        var control = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Multiplexing = false,
            MaxPoolSize = 1,
            ApplicationName = $"vtbench-dotnet-{Environment.ProcessId}-control",
        };
        _source = NpgsqlDataSource.Create(control);
        _connection = _source.OpenConnection();
    }

    public string ServerVersion() => Scalar("SHOW server_version", null);

    public int MaxConnections() => int.Parse(Scalar("SHOW max_connections", null), CultureInfo.InvariantCulture);

    /// <summary>The executions of <paramref name="statement"/> the server counted so far.</summary>
    public long CountedQueries(string statement) => long.Parse(
        Scalar("SELECT COALESCE(sum(calls), 0)::text FROM pg_stat_statements WHERE query = $1", statement),
        CultureInfo.InvariantCulture);

    /// <summary>The server processes serving connections whose application name starts with <paramref name="prefix"/>.</summary>
    public List<int> BackendPids(string prefix)
    {
        using var command = new NpgsqlCommand(
            "SELECT pid FROM pg_stat_activity WHERE starts_with(application_name, $1)", _connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = prefix });
        using NpgsqlDataReader reader = command.ExecuteReader();
        var pids = new List<int>();
        while (reader.Read()) pids.Add(reader.GetInt32(0));
        return pids;
    }

    /// <summary>Nanoseconds the processes have run on a CPU (/proc/&lt;pid&gt;/schedstat's first field).</summary>
    public static long CpuNs(IEnumerable<int> pids)
    {
        long total = 0;
        foreach (int pid in pids)
        {
            string path = $"/proc/{pid}/schedstat";
            string text;
            try
            {
                text = File.ReadAllText(path);
            }
            catch (IOException)
            {
                throw new DatabaseException($"cannot read {path} (is the server process gone?)");
            }
            total += long.Parse(text.AsSpan(0, text.IndexOf(' ', StringComparison.Ordinal)), CultureInfo.InvariantCulture);
        }
        return total;
    }

    public void Dispose()
    {
        _connection.Dispose();
        _source.Dispose();
    }

    private string Scalar(string sql, string? parameter)
    {
        using var command = new NpgsqlCommand(sql, _connection);
        if (parameter is not null) command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = parameter });
        return command.ExecuteScalar() as string ?? throw new DatabaseException($"the server answered no value to {sql}");
    }
}
