using ActorRollouts.Actors.Configuration;
using Npgsql;

namespace ActorRollouts.Cli.Hosting;

/// <summary>One live process per fleet across machines that share a PostgreSQL journal: a session-level advisory lock
/// on the fleet's id, held on a connection of its own for as long as the process runs the fleet. The server releases
/// it when that connection ends, however the process ends (<c>kill -9</c> included: the kernel closes the socket). The
/// file lock (<see cref="FleetLock"/>) only sees processes on the same data dir.</summary>
public sealed class SharedFleetLock : IDisposable
{
    /// <summary>The first half of every fleet lock's key, so ours never collide with another application's.</summary>
    private const int Space = 0x41_52_46_4C; // "ARFL"

    private readonly NpgsqlConnection _connection;

    private SharedFleetLock(NpgsqlConnection connection) => _connection = connection;

    /// <summary>Takes the fleet's lock, or throws <see cref="UsageException"/> naming the process that holds it.</summary>
    public static SharedFleetLock Acquire(JournalUrl url, string fleetId)
    {
        // The holder's name, which a refused process reads back from pg_stat_activity for its message.
        var connectionString = new NpgsqlConnectionStringBuilder(url.ConnectionString)
        {
            ApplicationName = $"actor-rollouts pid {Environment.ProcessId} on {Environment.MachineName}", Pooling = false,
        }.ConnectionString;
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            connection.Open();
            using var take = new NpgsqlCommand($"SELECT pg_try_advisory_lock({Space}, hashtext($1))", connection) { Parameters = { new() { Value = fleetId } } };
            if ((bool)take.ExecuteScalar()!) return new SharedFleetLock(connection);
            var holder = Holder(connection, fleetId) ?? "another process";
            throw new UsageException($"fleet '{fleetId}' is already running in {holder} (journal {url}). Wait for it to end, or stop it " +
                                     "and resume: one process runs a fleet at a time.");
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
