using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using ActorRollouts.Actors.Configuration;
using ActorRollouts.Actors.Sessions;
using ActorRollouts.Bench.Modes;
using ActorRollouts.Core.Sessions;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using static ActorRollouts.Core.Sessions.SessionEvents;

namespace ActorRollouts.Bench;

/// <summary>What one long session leaves in the database, by length: its rows written as the engine writes them
/// (through the journal, a chunk of <c>snapshot-every</c> rows at a time), with a snapshot of its state after each
/// chunk as a live session saves one, keeping the newest two (<see cref="SnapshotRetention"/>, as the session actor
/// does) or, for comparison, every one. Events are never deleted, so with retention the bytes grow linearly with the
/// length; keeping every snapshot (each holds the whole transcript) grows them with its square.</summary>
public static class StorageBench
{
    public sealed record Row(int Steps, int Events, long BytesKeptTwo, long BytesKeptAll);

    private const int SnapshotEvery = 200; // rows, the session's default
    private const int EventsPerStep = 7; // a model call and a tool call: see SyntheticSession

    public static async Task<int> RunCommandAsync(bool quick, string resultsDir)
    {
        var rows = new List<Row>();
        foreach (var steps in quick ? [100, 1_000] : new[] { 1_000, 10_000 })
        {
            var row = new Row(steps, steps * EventsPerStep, await BytesAsync(steps * EventsPerStep, kept: 2), await BytesAsync(steps * EventsPerStep, kept: int.MaxValue));
            Console.Error.WriteLine($"storage: {steps:N0} steps: {row.BytesKeptTwo / 1e6:0.00} MB keeping two snapshots, {row.BytesKeptAll / 1e6:0.00} MB keeping all");
            rows.Add(row);
        }
        Console.WriteLine(Markdown(rows));
        var file = BenchFiles.NewResultsFile(resultsDir, "storage", quick);
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new { date = DateTimeOffset.UtcNow, snapshot_every = SnapshotEvery, storage = rows },
            new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }));
        Console.WriteLine($"results: {file}");
        return 0;
    }

    private static async Task<long> BytesAsync(int events, int kept)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "ar-bench", Guid.NewGuid().ToString("n")[..12]);
        var system = ActorSystem.Create("storage", ConfigurationFactory.ParseString("akka.loglevel = WARNING").WithFallback(RolloutConfig.ForSqlite(dataDir)));
        try
        {
            var sessionId = $"bench:long{events}:0";
            var history = SyntheticSession.History(sessionId, events);
            var writer = system.ActorOf(Props.Create(() => new ChunkWriter(sessionId)));
            var store = Persistence.Instance.Apply(system).SnapshotStoreFor(null);
            var retention = new SnapshotRetention(kept);
            var state = SessionState.Empty;
            var timeout = TimeSpan.FromMinutes(2);
            for (var from = 0; from < history.Count; from += SnapshotEvery)
            {
                var chunk = history.Skip(from).Take(SnapshotEvery).ToImmutableList();
                await writer.Ask<long>(chunk, timeout);
                state = chunk.Aggregate(state, (s, e) => s.Apply(e));
                var seq = from + chunk.Count;
                await store.Ask<SaveSnapshotSuccess>(new SaveSnapshot(new SnapshotMetadata(sessionId, seq, DateTime.UtcNow), state), timeout);
                if (retention.Saved(seq) is { } olderThanKept)
                    await store.Ask<DeleteSnapshotsSuccess>(new DeleteSnapshots(sessionId, new SnapshotSelectionCriteria(olderThanKept)), timeout);
            }
            await system.Terminate();
            return EngineMode.JournalBytes(dataDir);
        }
        finally
        {
            await system.Terminate(); // again if an Ask above threw; a no-op otherwise
            Directory.Delete(dataDir, recursive: true);
        }
    }

    /// <summary>Persists each chunk it is sent and answers with its last sequence number once written.</summary>
    private sealed class ChunkWriter : ReceivePersistentActor
    {
        public override string PersistenceId { get; }

        public ChunkWriter(string id)
        {
            PersistenceId = id;
            Command<ImmutableList<ISessionEvent>>(chunk =>
            {
                var sender = Sender;
                var left = chunk.Count;
                PersistAll(chunk, _ =>
                {
                    if (--left == 0) sender.Tell(LastSequenceNr);
                });
            });
        }
    }

    public static string Markdown(IReadOnlyList<Row> rows)
    {
        var text = "| steps of one session | events | database, keeping 2 snapshots | keeping every snapshot |\n|---:|---:|---:|---:|\n" +
                   string.Concat(rows.Select(r => string.Create(CultureInfo.InvariantCulture,
                       $"| {r.Steps:N0} | {r.Events:N0} | {r.BytesKeptTwo / 1e6:0.00} MB | {r.BytesKeptAll / 1e6:0.00} MB |\n")));
        if (rows.Count == 2)
            text += string.Create(CultureInfo.InvariantCulture,
                $"\n{rows[1].Steps / (double)rows[0].Steps:0}× the steps: {rows[1].BytesKeptTwo / (double)rows[0].BytesKeptTwo:0.0}× the bytes keeping two snapshots, {rows[1].BytesKeptAll / (double)rows[0].BytesKeptAll:0.0}× keeping all\n");
        return text;
    }
}
