using System.Collections.Immutable;
using System.Diagnostics;
using System.Text.Json;
using ActorRollouts.Actors.Configuration;
using ActorRollouts.Actors.Sessions;
using ActorRollouts.Core.Model;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using static ActorRollouts.Core.Sessions.SessionEvents;

namespace ActorRollouts.Bench;

/// <summary>How long a finished session takes to recover from the SQLite journal, by length in events (trace lines; the
/// journal holds one row per write, about two per step), with snapshots (every 200 rows, the default) and without. Each figure is the median of several recoveries of the same session, after one warm-up.</summary>
public static class RecoveryBench
{
    public sealed record Row(int Events, double NoSnapshotMs, double SnapshotMs);

    public static async Task<int> RunCommandAsync(bool quick, string resultsDir)
    {
        var rows = await RunAsync(quick ? [200, 2_000] : [200, 2_000, 20_000], repeat: quick ? 3 : 7);
        Console.WriteLine(Markdown(rows));
        var file = BenchFiles.NewResultsFile(resultsDir, "recovery", quick);
        await File.WriteAllTextAsync(file, Json(rows));
        Console.WriteLine($"results: {file}");
        return 0;
    }

    public static async Task<ImmutableList<Row>> RunAsync(IReadOnlyList<int> lengths, int repeat)
    {
        var rows = ImmutableList.CreateBuilder<Row>();
        foreach (var events in lengths)
        {
            var without = await MeasureAsync(events, snapshotEvery: int.MaxValue, repeat);
            var with = await MeasureAsync(events, snapshotEvery: 200, repeat);
            rows.Add(new Row(events, without, with));
            Console.Error.WriteLine($"recovery: {events} events: {without:0.0} ms without snapshots, {with:0.0} ms with");
        }
        return rows.ToImmutable();
    }

    private static async Task<double> MeasureAsync(int events, int snapshotEvery, int repeat)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "ar-bench", Guid.NewGuid().ToString("n")[..12]);
        var config = ConfigurationFactory.ParseString($"actor-rollouts.session.snapshot-every = {snapshotEvery}\nakka.loglevel = WARNING")
            .WithFallback(RolloutConfig.ForSqlite(dataDir));
        using var system = ActorSystem.Create("bench", config);
        var sessionId = $"bench:s{events}:0";
        var written = new TaskCompletionSource();
        system.ActorOf(Props.Create(() => new Writer(sessionId, SyntheticSession.History(sessionId, events), written)));
        await written.Task.WaitAsync(TimeSpan.FromMinutes(2)); // a failed write must end the run, not hang it
        var services = new SessionServices(new NoModel(), RolloutSettings.From(system.Settings.Config), Path.Combine(dataDir, "ws"), TimeProvider.System);

        await RecoverOnceAsync(system, sessionId, services); // warm-up; with snapshots on, this one saves the snapshot
        var times = new List<double>();
        for (var i = 0; i < repeat; i++) times.Add(await RecoverOnceAsync(system, sessionId, services));
        await system.Terminate();
        Directory.Delete(dataDir, recursive: true);
        return times.Order().ElementAt(times.Count / 2);
    }

    private static async Task<double> RecoverOnceAsync(ActorSystem system, string sessionId, SessionServices services)
    {
        var ended = new TaskCompletionSource();
        var clock = Stopwatch.StartNew();
        system.ActorOf(Props.Create(() => new Parent(SessionActor.Props(sessionId, services), SyntheticSession.Spec(sessionId), ended)));
        await ended.Task.WaitAsync(TimeSpan.FromMinutes(2));
        return clock.Elapsed.TotalMilliseconds;
    }

    /// <summary>Starts the session (which recovers, finds it finished and reports) and stops when it has reported.</summary>
    private sealed class Parent : ReceiveActor
    {
        public Parent(Props session, Core.Tasks.SessionSpec spec, TaskCompletionSource ended)
        {
            Context.ActorOf(session, "session").Tell(new SessionCommands.StartSession(spec));
            Receive<SessionNotifications.SessionEnded>(_ =>
            {
                ended.TrySetResult();
                Context.Stop(Self);
            });
            ReceiveAny(_ => { });
        }
    }

    private sealed class Writer : ReceivePersistentActor
    {
        public override string PersistenceId { get; }

        public Writer(string id, ImmutableList<ISessionEvent> events, TaskCompletionSource written)
        {
            PersistenceId = id;
            var left = events.Count;
            // Akka refuses to persist during replay: write once recovery (of an empty journal) has completed.
            Recover<RecoveryCompleted>(_ => PersistAll(events, _ =>
            {
                if (--left == 0) written.TrySetResult();
            }));
        }
    }

    private sealed class NoModel : IModelClient
    {
        public Task<ModelResponse> CompleteAsync(ModelRequest request, Action<ModelDelta>? onDelta, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("a finished session never calls the model");
    }

    public static string Markdown(IEnumerable<Row> rows) =>
        "| events | recovery, no snapshots (ms) | recovery, snapshot every 200 rows (ms) | ratio |\n|---:|---:|---:|---:|\n" +
        string.Concat(rows.Select(r => $"| {r.Events:N0} | {r.NoSnapshotMs:0.0} | {r.SnapshotMs:0.0} | {r.NoSnapshotMs / r.SnapshotMs:0.0}× |\n"));

    public static string Json(IEnumerable<Row> rows) => JsonSerializer.Serialize(new
    {
        machine = new { cpus = Environment.ProcessorCount, dotnet = Environment.Version.ToString(), os = Environment.OSVersion.ToString() },
        date = DateTimeOffset.UtcNow,
        recovery = rows,
    }, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });
}
