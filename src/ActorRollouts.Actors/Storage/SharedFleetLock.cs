using ActorRollouts.Actors.Configuration;
using Npgsql;

namespace ActorRollouts.Actors.Storage;

/// <summary>Another process runs the fleet (it holds the fleet's <see cref="SharedFleetLock"/>).</summary>
public sealed class FleetLockedException(string fleetId, string holder)
    : Exception($"fleet '{fleetId}' is already running in {holder}")
{
    public string Holder { get; } = holder;
}

/// <summary>One live process per fleet across machines that share a PostgreSQL journal: a session-level advisory lock
/// on the fleet's id, held on a connection of its own for as long as the process runs the fleet — a local <c>run</c> or
/// <c>resume</c>, or the cluster node that supervises the fleet. The server releases it when that connection ends: at
/// once when the process dies and its kernel closes the socket (<c>kill -9</c> included), and within about 25 s when the
/// machine itself is gone (the session's TCP keepalives, set below). The file lock (<c>FleetLock</c>) only sees processes
/// on the same data dir.</summary>
public sealed class SharedFleetLock : IDisposable
{
    /// <summary>The first half of every fleet lock's key, so ours never collide with another application's.</summary>
    private const int Space = 0x41_52_46_4C; // "ARFL"

    private readonly NpgsqlConnection _connection;

    private SharedFleetLock(NpgsqlConnection connection) => _connection = connection;

    /// <summary>Takes the fleet's lock, or throws <see cref="FleetLockedException"/> naming the process that holds it.
    /// <paramref name="holderName"/> is how a refused process will name this one.</summary>
    public static SharedFleetLock Acquire(JournalUrl url, string fleetId, string? holderName = null)
    {
        // The holder's name, which a refused process reads back from pg_stat_activity for its message.
        var connectionString = new NpgsqlConnectionStringBuilder(url.ConnectionString)
        {
            ApplicationName = holderName ?? $"actor-rollouts pid {Environment.ProcessId} on {Environment.MachineName}", Pooling = false,
        }.ConnectionString;
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            connection.Open();
            using (var keepalive = new NpgsqlCommand("SET tcp_keepalives_idle = 10; SET tcp_keepalives_interval = 5; SET tcp_keepalives_count = 3", connection))
                keepalive.ExecuteNonQuery();
            using var take = new NpgsqlCommand($"SELECT pg_try_advisory_lock({Space}, hashtext($1))", connection) { Parameters = { new() { Value = fleetId } } };
            if ((bool)take.ExecuteScalar()!) return new SharedFleetLock(connection);
            throw new FleetLockedException(fleetId, Holder(connection, fleetId) ?? "another process");
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Whether some process holds the fleet's lock right now (it is running the fleet).</summary>
    public static bool IsHeld(JournalUrl url, string fleetId)
    {
        using var connection = new NpgsqlConnection(url.ConnectionString);
        connection.Open();
        return Holder(connection, fleetId) is not null;
    }

    private static string? Holder(NpgsqlConnection connection, string fleetId)
    {
        using var query = new NpgsqlCommand($"""
            SELECT coalesce(nullif(a.application_name, ''), 'a process') || ' (' || coalesce(host(a.client_addr), 'local') || ')'
            FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND l.classid = {Space} AND l.objid = hashtext($1)::oid AND l.objsubid = 2
            """, connection) { Parameters = { new() { Value = fleetId } } };
        return query.ExecuteScalar() as string;
    }

    public void Dispose() => _connection.Dispose(); // ends the session, which releases the lock
}
