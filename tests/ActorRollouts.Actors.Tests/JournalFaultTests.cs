using System.Collections.Immutable;
using ActorRollouts.Actors.Fleets;
using ActorRollouts.Core.Fleets;
using ActorRollouts.Core.Sessions;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.TestKit;
using Akka.TestKit.Xunit2;
using static ActorRollouts.Actors.Fleets.FleetCommands;
using static ActorRollouts.Actors.Fleets.FleetNotifications;
using static ActorRollouts.Core.Sessions.SessionEvents;

namespace ActorRollouts.Actors.Tests;

/// <summary>Journal writes failing, injected with Akka.Persistence.TestKit's test journal: the session stops as Akka
/// Persistence does, the supervisor relaunches it from its journal with backoff, and after too many failures records it
/// as failed with the reason. The journal never has a gap or a duplicate.</summary>
public class JournalFaultTests : TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly string _dataDir;

    public JournalFaultTests() : this(TestSystems.NewDataDir()) { }

    private JournalFaultTests(string dataDir) : base(ConfigurationFactory.ParseString("""
            akka.persistence.journal.plugin = "akka.persistence.journal.test"
            akka.persistence.journal.test {
              class = "Akka.Persistence.TestKit.TestJournal, Akka.Persistence.TestKit"
              plugin-dispatcher = "akka.actor.default-dispatcher"
            }
            actor-rollouts.supervisor { max-session-relaunches = 2, relaunch-backoff = 100ms }
            """).WithFallback(TestSystems.Config(dataDir))) => _dataDir = dataDir;

    private ITestJournal Journal => TestJournal.FromRef(Persistence.Instance.Apply(Sys).JournalFor("akka.persistence.journal.test"));

    /// <summary>Replays a persistence id and reports every (sequence number, event) it holds.</summary>
    private sealed class Replayer : ReceivePersistentActor
    {
        private readonly List<(long Seq, object Event)> _seen = [];

        public override string PersistenceId { get; }

        public Replayer(string id, IActorRef report)
        {
            PersistenceId = id;
            Recover<IRolloutEvent>(e => _seen.Add((LastSequenceNr, e)));
            Recover<RecoveryCompleted>(_ => report.Tell(_seen.ToImmutableList()));
        }
    }

    private ImmutableList<(long Seq, object Event)> Replay(string persistenceId)
    {
        Sys.ActorOf(Props.Create(() => new Replayer(persistenceId, TestActor)));
        return ExpectMsg<ImmutableList<(long Seq, object Event)>>(Patience);
    }

    private const string ThreeTurns = """
        {"scenarios":[{"turns":[
          {"tool_calls":[{"name":"list_files","arguments":{}}]},
          {"tool_calls":[{"name":"write_file","arguments":{"path":"a.txt","content":"a\n"}}]},
          {"content":"done"}]}]}
        """;

    [Fact]
    public async Task FailedWrite_SessionIsRelaunchedFromItsJournalAndCompletesWithNoGapOrDuplicate()
    {
        await using var server = await Fixtures.Server(ThreeTurns);
        var spec = Fixtures.Spec("jf", "t", "go", server.BaseUrl);
        var failures = 0;
        // The first write of the second tool result fails once: the journal is briefly unreachable.
        await Journal.OnWrite.FailIf(p => p.PersistenceId == spec.SessionId && p.Payload is EventBatch batch && batch.Events.Any(e => e is ToolCallFinished { Result.Name: "write_file" })
                                           && Interlocked.Increment(ref failures) == 1);

        Sys.ActorOf(RolloutSupervisor.Props("jf", Fixtures.Fleet(Sys, _dataDir))).Tell(new RunFleet([spec], 1));

        Assert.Equal(new FleetFinished("jf", 1, 1, 0), ExpectMsg<FleetFinished>(Patience));
        var events = Replay(spec.SessionId);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Seq));   // no gap, no duplicate
        Assert.Single(Expanded(events), e => e is SessionResumed);
        var completed = Expanded(events).OfType<ToolCallCompleted>().ToList();
        Assert.Equal(completed.Select(c => c.Result.ToolCallId).Distinct().Count(), completed.Count);        // each call answered once
        Assert.Equal(ErrorCodes(completed), ["ok", "E_INTERRUPTED"]); // the write was in flight at the failure: never silently re-run
        Assert.IsType<SessionCompleted>(Expanded(events)[^1]);
    }

    /// <summary>What the session journals for <see cref="ThreeTurns"/> when nothing fails, one row per sequence number:
    /// each atomic write is one row, a model's answer and a tool call's end coarse within it.</summary>
    private static readonly string[] Uninterrupted =
    [
        "SessionStarted+MessageAppended+MessageAppended+ModelRequestStarted",   // 1: start, system, user, turn 1's request
        "ModelReplied+ToolCallStarted",                                          // 2: turn 1's answer, list_files started
        "ToolCallFinished+ModelRequestStarted",                                  // 3: list_files result, turn 2's request
        "ModelReplied+ToolCallStarted",                                          // 4: turn 2's answer, write_file started
        "ToolCallFinished+ModelRequestStarted",                                  // 5: write_file result (its file change inside), turn 3's request
        "ModelReplied+SessionCompleted",                                         // 6: turn 3's answer, the end
    ];

    /// <summary>The fine events the rows stand for, as every reader of the journal sees them.</summary>
    private static List<ISessionEvent> Expanded(IEnumerable<(long Seq, object Event)> rows) =>
        rows.SelectMany(r => CoarseEvents.Expand((ISessionEvent)r.Event)).ToList();

    [Fact]
    public async Task NothingFails_JournalIsTheUninterruptedLayout()
    {
        await using var server = await Fixtures.Server(ThreeTurns);
        var spec = Fixtures.Spec("jn", "t", "go", server.BaseUrl);

        Sys.ActorOf(RolloutSupervisor.Props("jn", Fixtures.Fleet(Sys, _dataDir))).Tell(new RunFleet([spec], 1));

        Assert.Equal(new FleetFinished("jn", 1, 1, 0), ExpectMsg<FleetFinished>(Patience));
        var events = Replay(spec.SessionId);
        Assert.Equal(Enumerable.Range(1, 6).Select(i => (long)i), events.Select(e => e.Seq));
        Assert.Equal(Uninterrupted, events.Select(e => CoarseEvents.Describe(e.Event)));
        Assert.Single(Expanded(events).OfType<FileChanged>(), c => c.Change.Path == "a.txt");
    }

    /// <summary>The Nth write of the session fails, once, after N-1 were stored. Each write is one row, so no journal can
    /// store part of one.</summary>
    [Theory]
    [InlineData(1)]    // the start: nothing stored yet
    [InlineData(2)]    // turn 1's answer and list_files started
    [InlineData(3)]    // list_files result (an idempotent tool, re-run) and turn 2's request
    [InlineData(4)]    // turn 2's answer and write_file started
    [InlineData(5)]    // write_file result: it ran, so the model is told E_INTERRUPTED rather than running it twice
    [InlineData(6)]    // turn 3's answer and the end
    public async Task NthWriteFailsOnce_SessionIsRelaunchedAndCompletesKeepingEveryStoredEventOnce(int n)
    {
        await using var server = await Fixtures.Server(ThreeTurns);
        var spec = Fixtures.Spec($"jn{n}", "t", "go", server.BaseUrl);
        var writes = 0;
        await Journal.OnWrite.FailIf(p => p.PersistenceId == spec.SessionId && Interlocked.Increment(ref writes) == n);

        Sys.ActorOf(RolloutSupervisor.Props($"jn{n}", Fixtures.Fleet(Sys, _dataDir))).Tell(new RunFleet([spec], 1));

        Assert.Equal(new FleetFinished($"jn{n}", 1, 1, 0), ExpectMsg<FleetFinished>(Patience));
        Assert.True(Volatile.Read(ref writes) > n, $"the failure was injected ({writes} writes)");
        var events = Replay(spec.SessionId);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Seq));     // no gap, no duplicate
        Assert.Equal(Uninterrupted.Take(n - 1), events.Take(n - 1).Select(e => CoarseEvents.Describe(e.Event)));     // what was stored is kept as it was
        var journaled = Expanded(events);
        Assert.Equal(n == 1 ? 0 : 1, journaled.Count(e => e is SessionResumed));                            // a relaunch, once
        if (n > 1) Assert.Equal(n - 1, journaled.OfType<SessionResumed>().Single().FromSequenceNr);          // resumed from what was stored
        Assert.Equal([1, 2, 3], journaled.OfType<ModelResponseReceived>().Select(r => r.Turn));              // each answer journaled once
        Assert.Equal(3, journaled.OfType<MessageAppended>().Count(m => m.Message.Role == "assistant"));
        var completed = journaled.OfType<ToolCallCompleted>().ToList();
        Assert.Equal(["list_files", "write_file"], completed.Select(c => c.Result.Name));                     // each call answered once
        Assert.Equal(n == 5 ? ["ok", "E_INTERRUPTED"] : ["ok", "ok"], ErrorCodes(completed));
        Assert.Equal("done", Assert.IsType<SessionCompleted>(journaled[^1]).StopReason);
        Assert.Single(journaled, e => e is SessionCompleted);
    }

    [Fact]
    public async Task WritesKeepFailingAfterTwoRowsWereStored_SessionIsFailedWithTheReasonAndItsJournalKeepsExactlyThoseTwo()
    {
        await using var server = await Fixtures.Server(ThreeTurns);
        var broken = Fixtures.Spec("jb", "broken", "go", server.BaseUrl);
        var fine = Fixtures.Spec("jb", "fine", "go", server.BaseUrl);
        // Rows 1-2 (through list_files started) are stored; from then on every write of this session fails,
        // including the session-resumed each relaunch tries to write first.
        await Journal.OnWrite.FailIf(p => p.PersistenceId == broken.SessionId && p.SequenceNr >= 3);

        Sys.ActorOf(RolloutSupervisor.Props("jb", Fixtures.Fleet(Sys, _dataDir))).Tell(new RunFleet([broken, fine], 2));

        Assert.Equal(new FleetFinished("jb", 2, 1, 1), ExpectMsg<FleetFinished>(Patience));
        var finished = Replay(FleetEvents.PersistenceId("jb")).Select(e => e.Event).OfType<FleetEvents.FleetSessionFinished>().ToList();
        var failed = finished.Single(f => f.SessionId == broken.SessionId);
        Assert.Equal(SessionOutcomes.Failed, failed.Status);
        Assert.Matches(@"^stopped 3 times, relaunched from the journal 2 times; last: journal write of SessionResumed(\+\w+)* #3 failed: ", failed.Error);
        Assert.Equal(SessionOutcomes.Completed, finished.Single(f => f.SessionId == fine.SessionId).Status);

        var events = Replay(broken.SessionId);
        Assert.Equal(Enumerable.Range(1, 2).Select(i => (long)i), events.Select(e => e.Seq));               // 1..2: no gap, no duplicate, nothing lost
        Assert.Equal(Uninterrupted.Take(2), events.Select(e => CoarseEvents.Describe(e.Event)));
        var fineEvents = Replay(fine.SessionId);
        Assert.Equal(Uninterrupted, fineEvents.Select(e => CoarseEvents.Describe(e.Event)));
    }

    private static List<string> ErrorCodes(IEnumerable<ToolCallCompleted> completed) => completed.Select(c => c.Result.ErrorCode ?? "ok").ToList();
}
