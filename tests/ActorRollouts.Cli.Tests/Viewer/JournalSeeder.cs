using System.Collections.Immutable;
using ActorRollouts.Actors.Configuration;
using ActorRollouts.Core.Fleets;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Tasks;
using Akka.Actor;
using Akka.Persistence;
using static ActorRollouts.Core.Sessions.SessionEvents;

namespace ActorRollouts.Cli.Tests.Viewer;

/// <summary>Writes events straight into a data dir's SQLite journal through the same Akka.Persistence plugin and
/// serializers the CLI uses — for journals too big to produce by running a fleet within a test (10,000 sessions, a
/// 2,000-event session). What the viewer then reads is a real journal; only the rollouts behind it are made up.</summary>
public sealed class JournalSeeder : IAsyncDisposable
{
    private readonly ActorSystem _system;

    public JournalSeeder(string dataDir)
    {
        Directory.CreateDirectory(dataDir);
        _system = ActorSystem.Create("seeder", RolloutConfig.Setup(RolloutConfig.ForSqlite(dataDir)));
    }

    public async Task WriteAsync(string persistenceId, IReadOnlyList<object> events)
    {
        var writer = _system.ActorOf(Props.Create(() => new Writer(persistenceId)));
        foreach (var batch in events.Chunk(2000)) await writer.Ask<Writer.Written>(batch.ToImmutableList(), TimeSpan.FromMinutes(2));
        writer.Tell(PoisonPill.Instance);
    }

    public ValueTask DisposeAsync() => new(_system.Terminate());

    private sealed class Writer : ReceivePersistentActor
    {
        public sealed record Written;

        public Writer(string persistenceId)
        {
            PersistenceId = persistenceId;
            Command<ImmutableList<object>>(events =>
            {
                var replyTo = Sender;
                PersistAll(events, _ => { });
                DeferAsync(events.Count, _ => replyTo.Tell(new Written()));
            });
        }

        public override string PersistenceId { get; }
    }

    /// <summary>A finished fleet of <paramref name="count"/> sessions: one in ten failed, the rest completed, each with
    /// turns, tokens, cost and a reward spread over [0, 1].</summary>
    public static IReadOnlyList<object> Fleet(string fleetId, int count, DateTimeOffset start)
    {
        var specs = Enumerable.Range(0, count).Select(i => Spec(fleetId, $"task-{i / 4:D5}", i % 4)).ToImmutableList();
        var events = new List<object>(2 * count + 1) { new FleetEvents.FleetStarted(fleetId, specs, 256, start) };
        events.AddRange(specs.Select(s => (object)new FleetEvents.FleetSessionLaunched(s.SessionId, start)));
        events.AddRange(specs.Select((s, i) =>
        {
            var failed = i % 10 == 9;
            var ended = start.AddSeconds(30 + i % 50);
            var tools = new ToolTally(ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("edit_file", 1 + i % 5)]),
                ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create(i % 7 == 0 ? "E_NOT_FOUND" : "ok", 1 + i % 5)]));
            var figures = new SessionFigures(1 + i % 12, new Usage(1000 + 37 * (i % 500), 50 + i % 300), 0.001m * (1 + i % 40),
                failed ? null : i % 101 / 100.0, start, ended, Tools: tools);
            return (object)new FleetEvents.FleetSessionFinished(s.SessionId, failed ? SessionOutcomes.Failed : SessionOutcomes.Completed,
                failed ? "error" : "done", failed ? "HTTP 429 after 5 attempts" : null, ended, figures);
        }));
        return events;
    }

    /// <summary>One session of <paramref name="turns"/> turns, each a model call that asks for an edit and the edit's
    /// result with its diff: 3 + 7 × turns + 1 events.</summary>
    public static IReadOnlyList<object> LongSession(SessionSpec spec, int turns, DateTimeOffset start)
    {
        var t = start;
        DateTimeOffset Next() => t = t.AddMilliseconds(40);
        var events = new List<object>
        {
            new SessionStarted(spec, "/nowhere", start),
            new MessageAppended(Message.System("You are a careful coding agent."), start),
            new MessageAppended(Message.User(spec.Prompt), start),
        };
        var total = Usage.Zero;
        for (var turn = 1; turn <= turns; turn++)
        {
            var call = new ToolCall($"call_{turn}", "edit_file", $$"""{"path":"f{{turn % 7}}.py","old_string":"x = {{turn}}","new_string":"x = {{turn + 1}}"}""");
            var usage = new Usage(500 + 40 * turn, 30);
            total = total.Add(usage);
            var diff = $"--- a/f{turn % 7}.py\n+++ b/f{turn % 7}.py\n@@ -1,3 +1,3 @@\n import os\n-x = {turn}\n+x = {turn + 1}\n print(x)\n";
            var result = new ToolResult(true, "edit_file", $"Edited f{turn % 7}.py: 1 replacement(s).", call.Id,
                Diffs: [new FileDiff($"f{turn % 7}.py", diff)], FilesChanged: [$"f{turn % 7}.py"]);
            events.Add(new ModelRequestStarted(turn, 1, "chat", spec.Endpoint.Model, Next()));
            events.Add(new ModelResponseReceived(turn, $"resp_{turn}", usage, "tool_calls", 35, Next()));
            events.Add(new MessageAppended(Message.Assistant($"Turn {turn}: bumping x in f{turn % 7}.py.", [call]), t));
            events.Add(new UsageUpdated(total, 0.00001m * turn, t));
            events.Add(new ToolCallStarted(call.Id, call.Name, null, Next()));
            events.Add(new ToolCallCompleted(result, 3, Next()));
            events.Add(new MessageAppended(Message.ToolMessage(result), t));
        }
        events.Add(new SessionCompleted("done", Next()));
        return events;
    }

    public static SessionSpec Spec(string fleetId, string taskId, int sample) =>
        new($"{fleetId}:{taskId}:{sample}", fleetId, taskId, sample, "Bump x everywhere.", null, new Endpoint("http://127.0.0.1:9/v1", "gpt-4o"), 300,
            null, ["edit_file"]);
}
