using System.Collections.Concurrent;
using System.Collections.Immutable;
using ActorRollouts.Actors.Sessions;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Journal;
using Akka.TestKit.Xunit2;
using ActorRollouts.Core.Sessions;
using static ActorRollouts.Actors.Sessions.SessionCommands;
using static ActorRollouts.Actors.Sessions.SessionNotifications;

namespace ActorRollouts.Actors.Tests;

/// <summary>A step's start is journaled in the same atomic write as the events that lead to it: one journal write per
/// step (the engine's biggest saving on SQLite), and never a model request or tool call sent before its start is stored.</summary>
public class StepWriteTests : TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly string _dataDir;

    public StepWriteTests() : this(TestSystems.NewDataDir()) { }

    private StepWriteTests(string dataDir) : base(ConfigurationFactory.ParseString($$"""
            akka.persistence.journal.plugin = "akka.persistence.journal.recording"
            akka.persistence.journal.recording {
              class = "{{typeof(RecordingJournal).FullName}}, {{typeof(RecordingJournal).Assembly.GetName().Name}}"
              plugin-dispatcher = "akka.actor.default-dispatcher"
            }
            """).WithFallback(TestSystems.Config(dataDir))) => _dataDir = dataDir;

    [Fact]
    public async Task Session_ToolTurns_JournalEachStepStartWithItsCauseInOneWrite()
    {
        await using var server = await Fixtures.Server("""
            { "scenarios": [ { "turns": [
                { "content": "Reading.", "tool_calls": [ { "name": "read_file", "arguments": { "path": "a.txt" } } ] },
                { "tool_calls": [ { "name": "write_file", "arguments": { "path": "b.txt", "content": "copied\n" } } ] },
                { "content": "Done." } ] } ] }
            """);
        var spec = Fixtures.Spec("w1", "copy", "copy a to b", server.BaseUrl, Fixtures.Template(_dataDir, ("a.txt", "alpha\n")));
        var parent = Sys.ActorOf(StepParent.Props(SessionActor.Props(spec.SessionId, Fixtures.Services(Sys, _dataDir)), TestActor));

        parent.Tell(new StartSession(spec));

        var ended = ExpectMsg<SessionEnded>(Patience);
        Assert.Equal(("completed", "done"), (ended.Status, ended.StopReason));
        string[][] expected =
        [
            // One row per write: a batch of the write's events, an answer (response, assistant message, usage) and a tool
            // call's end (result, file changes, tool message) coarse within it.
            ["SessionStarted+MessageAppended+MessageAppended+ModelRequestStarted"],
            ["ModelReplied+ToolCallStarted"],
            ["ToolCallFinished+ModelRequestStarted"],
            ["ModelReplied+ToolCallStarted"],
            ["ToolCallFinished+ModelRequestStarted"],
            ["ModelReplied+SessionCompleted"],
        ];
        Assert.Equal(expected.Select(w => string.Join(" ", w)), RecordingJournal.WritesOf(spec.SessionId).Select(w => string.Join(" ", w)));
    }

    /// <summary>Akka's in-memory journal, remembering the event types of each atomic write per persistence id.</summary>
    public sealed class RecordingJournal : MemoryJournal
    {
        private static readonly ConcurrentDictionary<string, ConcurrentQueue<ImmutableList<string>>> Writes = new();

        public static IReadOnlyList<ImmutableList<string>> WritesOf(string persistenceId) =>
            Writes.TryGetValue(persistenceId, out var writes) ? [.. writes] : [];

        protected override Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
        {
            var list = messages.ToList();
            foreach (var write in list)
                Writes.GetOrAdd(write.PersistenceId, _ => new()).Enqueue(
                    ((IImmutableList<IPersistentRepresentation>)write.Payload).Select(p => CoarseEvents.Describe(p.Payload)).ToImmutableList());
            return base.WriteMessagesAsync(list, cancellationToken);
        }
    }
}
