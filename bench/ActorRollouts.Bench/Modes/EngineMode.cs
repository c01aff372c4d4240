using System.Collections.Immutable;
using System.Diagnostics;
using ActorRollouts.Actors.Configuration;
using ActorRollouts.Actors.Fleets;
using ActorRollouts.Actors.Sessions;
using ActorRollouts.Cli.Hosting;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Tasks;
using ActorRollouts.Providers.OpenAI;
using Akka.Actor;
using ActorRollouts.Tests.Shared;
using Microsoft.Data.Sqlite;

namespace ActorRollouts.Bench.Modes;

/// <summary>The full engine as <c>run</c> starts it: the CLI's host (HOCON, Serilog, SQLite in WAL mode), the
/// fleet supervisor, a session actor per rollout with its provider and environment children, every event journaled.
/// <see cref="Journal.Memory"/> swaps the journal and snapshot store for Akka's in-memory ones, which shows the
/// journal's share; <see cref="Journal.Postgres"/> journals to a PostgreSQL 15 server on loopback (started by the bench,
/// fsync on, as shipped) through Akka.Persistence.Sql. After a SQLite or PostgreSQL run, a new ActorSystem recovers every
/// session of the run from the journal.</summary>
public sealed class EngineMode(EngineMode.Journal journal) : IMode
{
    public enum Journal { Sqlite, Memory, Postgres }

    public string Name => journal switch
    {
        Journal.Sqlite => "engine-sqlite",
        Journal.Memory => "engine-memory",
        _ => "engine-postgres",
    };

    public async Task<ModeResult> RunAsync(Workload workload, Uri baseUrl, string workDir, CancellationToken cancel)
    {
        var dataDir = Path.Combine(workDir, "data");
        var memoryConfig = journal == Journal.Memory ? WriteMemoryJournalConfig(workDir) : null;
        var fleetId = $"bench-{workload.Name}";
        var template = workload.TemplateIn(workDir);
        var sessions = Specs(workload, fleetId, baseUrl, template);
        var clock = new StepClock();

        var location = new JournalLocation(dataDir, journal == Journal.Postgres ? JournalUrl.Parse(PostgresServer.Instance.NewDatabaseUrl()) : null);
        location.PrepareForWriting();
        var system = RolloutHost.Start(location, memoryConfig, "bench");
        var settings = RolloutSettings.From(system.Settings.Config);
        var paths = new FleetPaths(dataDir, fleetId);
        var services = new FleetServices(
            new SessionServices(new TimedModelClient(new OpenAiModelClient(settings.Provider.Client), clock),
                settings, paths.WorkspacesDir, TimeProvider.System),
            paths.DefaultTrajectories);
        using var progress = Progress.Every(TimeSpan.FromSeconds(5), () => $"{Name}: {clock.Calls:N0}/{workload.Steps:N0} model calls");

        var wall = Stopwatch.StartNew();
        var supervisor = system.ActorOf(RolloutSupervisor.Props(fleetId, services), $"fleet-{fleetId}");
        var outcome = await supervisor.Ask<object>(new FleetCommands.RunFleet(sessions, workload.Concurrency), Timeout.InfiniteTimeSpan, cancel);
        wall.Stop();
        var finished = outcome as FleetNotifications.FleetFinished
            ?? throw new InvalidOperationException($"{Name}: the fleet did not run: {outcome}");
        var (p50, p99) = clock.Percentiles();
        // the run's, before recovery
        var (cpu, rss, allocated, gen2, pause) = (ProcessFigures.CpuMsPerStep(clock.Calls), ProcessFigures.PeakRssMb(),
            ProcessFigures.AllocatedKbPerStep(clock.Calls), ProcessFigures.Gen2Collections(), ProcessFigures.GcPauseMsPerStep(clock.Calls));
        long? events = journal == Journal.Memory ? CountingMemoryJournal.Written : null;
        await RolloutHost.StopAsync(system);

        double? bytesPerStep = null;
        if (journal == Journal.Sqlite)
        {
            events = CountJournalRows(dataDir);
            bytesPerStep = JournalBytes(dataDir) / (double)clock.Calls;
        }
        if (location.Url is { } url)
        {
            (events, var bytes) = PostgresFigures(url.ConnectionString);
            bytesPerStep = bytes / (double)clock.Calls;
        }
        var recovery = journal == Journal.Memory ? (double?)null : await SessionRecovery.SecondsAsync(location, sessions, paths.WorkspacesDir, cancel);
        return new ModeResult(Name, workload.Name, workload.Sessions, finished.Completed, clock.Calls, wall.Elapsed.TotalSeconds,
            clock.Calls / wall.Elapsed.TotalSeconds, p50, p99, rss, cpu,
            events, events / wall.Elapsed.TotalSeconds, recovery, bytesPerStep, allocated, gen2, pause, clock.MeanStepsInFlight(wall.Elapsed));
    }

    public static ImmutableList<SessionSpec> Specs(Workload workload, string fleetId, Uri baseUrl, string template) =>
        Enumerable.Range(0, workload.Sessions).Select(i => new SessionSpec(
            SessionSpec.MakeSessionId(fleetId, $"t{i:d5}", 0), fleetId, $"t{i:d5}", 0, BenchFiles.Prompt, BenchFiles.System,
            new Endpoint(baseUrl.ToString().TrimEnd('/'), BenchFiles.Model), workload.ModelCallsPerSession, template,
            [.. workload.ToolNames])).ToImmutableList();

    private static string WriteMemoryJournalConfig(string workDir)
    {
        var path = Path.Combine(workDir, "memory-journal.conf");
        File.WriteAllText(path, $$"""
            akka.persistence.journal.plugin = "akka.persistence.journal.counting-inmem"
            akka.persistence.journal.counting-inmem {
              class = "{{typeof(CountingMemoryJournal).FullName}}, {{typeof(CountingMemoryJournal).Assembly.GetName().Name}}"
              plugin-dispatcher = "akka.actor.default-dispatcher"
            }
            akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
            """);
        return path;
    }

    /// <summary>The database file after a checkpoint that empties the WAL into it: what the run's journal occupies
    /// (events, indexes, snapshots), not the WAL's pre-allocated pages.</summary>
    public static long JournalBytes(string dataDir)
    {
        var path = Path.Combine(dataDir, "journal.db");
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            command.ExecuteNonQuery();
        }
        return new FileInfo(path).Length;
    }

    /// <summary>Every event of the run, and what its tables and their indexes occupy after a VACUUM (as the SQLite
    /// figure is after a checkpoint).</summary>
    private static (long Events, long Bytes) PostgresFigures(string connectionString)
    {
        using var connection = new Npgsql.NpgsqlConnection(connectionString);
        connection.Open();
        using (var vacuum = new Npgsql.NpgsqlCommand("VACUUM", connection)) vacuum.ExecuteNonQuery();
        using var command = new Npgsql.NpgsqlCommand("""
            SELECT (SELECT count(*) FROM journal),
                   pg_total_relation_size('journal') + pg_total_relation_size('tags') + pg_total_relation_size('snapshot')
            """, connection);
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>Every event of the run: the sessions' and the supervisor's.</summary>
    private static long CountJournalRows(string dataDir)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDir, "journal.db")}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM journal";
        return (long)command.ExecuteScalar()!;
    }
}
