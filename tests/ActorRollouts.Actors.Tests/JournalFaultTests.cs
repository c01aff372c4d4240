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
        await Journal.OnWrite.FailIf(p => p.PersistenceId == spec.SessionId && p.Payload is ToolCallFinished { Result.Name: "write_file" }
                                           && Interlocked.Increment(ref failures) == 1);

        Sys.ActorOf(RolloutSupervisor.Props("jf", Fixtures.Fleet(Sys, _dataDir))).Tell(new RunFleet([spec], 1));

        Assert.Equal(new FleetFinished("jf", 1, 1, 0), ExpectMsg<FleetFinished>(Patience));
        var events = Replay(spec.SessionId);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Seq));   // no gap, no duplicate
        Assert.Single(events, e => e.Event is SessionResumed);
        var completed = Expanded(events).OfType<ToolCallCompleted>().ToList();
        Assert.Equal(completed.Select(c => c.Result.ToolCallId).Distinct().Count(), completed.Count);        // each call answered once
        Assert.Equal(ErrorCodes(completed), ["ok", "E_INTERRUPTED"]); // the write was in flight at the failure: never silently re-run
        Assert.IsType<SessionCompleted>(events[^1].Event);
    }

    /// <summary>What the session journals for <see cref="ThreeTurns"/> when nothing fails, one name per sequence number:
    /// a model's answer and a tool call's end are one coarse row each.</summary>
    private static readonly string[] Uninterrupted =
    [
        "SessionStarted", "MessageAppended", "MessageAppended",   // 1-3: start, system, user
        "ModelRequestStarted", "ModelReplied",                    // 4-5: turn 1
        "ToolCallStarted", "ToolCallFinished",                    // 6-7: list_files
        "ModelRequestStarted", "ModelReplied",                    // 8-9: turn 2
        "ToolCallStarted", "ToolCallFinished",                    // 10-11: write_file (its file change inside)
        "ModelRequestStarted", "ModelReplied",                    // 12-13: turn 3
        "SessionCompleted",                                       // 14
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
        Assert.Equal(Enumerable.Range(1, 14).Select(i => (long)i), events.Select(e => e.Seq));
        Assert.Equal(Uninterrupted, events.Select(e => e.Event.GetType().Name));
        Assert.Single(Expanded(events).OfType<FileChanged>(), c => c.Change.Path == "a.txt");
    }

    /// <summary>The Nth event the session writes fails, once, after N-1 were stored. N is the first event of a step's
    /// batch (PersistAll): Akka.Persistence.Sql writes a batch in one transaction, so a real journal stores all of it or
    /// none. (The test journal stores a batch's events one by one, so a failure inside a batch would tear it in a way
    /// SQLite never does; only the start batch, which the decider repairs explicitly, is torn here, with N = 2.)</summary>
    [Theory]
    [InlineData(1)]    // session-started: nothing stored yet
    [InlineData(2)]    // inside the start batch: session-started stored without its messages
    [InlineData(4)]    // turn 1's request
    [InlineData(5)]    // turn 1's answer
    [InlineData(6)]    // list_files started
    [InlineData(7)]    // list_files result: an idempotent tool, re-run
    [InlineData(9)]    // turn 2's answer
    [InlineData(10)]   // write_file started
    [InlineData(11)]   // write_file result: it ran, so the model is told E_INTERRUPTED rather than running it twice
    [InlineData(12)]   // turn 3's request
    [InlineData(14)]   // session-completed
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
        Assert.Equal(Uninterrupted.Take(n - 1), events.Take(n - 1).Select(e => e.Event.GetType().Name));     // what was stored is kept as it was
        Assert.Equal(n == 1 ? 0 : 1, events.Count(e => e.Event is SessionResumed));                         // a relaunch, once
        if (n > 1) Assert.Equal(n - 1, events.Select(e => e.Event).OfType<SessionResumed>().Single().FromSequenceNr); // resumed from what was stored
        var journaled = Expanded(events);
        Assert.Equal([1, 2, 3], journaled.OfType<ModelResponseReceived>().Select(r => r.Turn));              // each answer journaled once
        Assert.Equal(3, journaled.OfType<MessageAppended>().Count(m => m.Message.Role == "assistant"));
        var completed = journaled.OfType<ToolCallCompleted>().ToList();
        Assert.Equal(["list_files", "write_file"], completed.Select(c => c.Result.Name));                     // each call answered once
        Assert.Equal(n == 11 ? ["ok", "E_INTERRUPTED"] : ["ok", "ok"], ErrorCodes(completed));
        Assert.Equal("done", Assert.IsType<SessionCompleted>(journaled[^1]).StopReason);
        Assert.Single(journaled, e => e is SessionCompleted);
    }

    [Fact]
    public async Task WritesKeepFailingAfterSixRowsWereStored_SessionIsFailedWithTheReasonAndItsJournalKeepsExactlyThoseSix()
    {
        await using var server = await Fixtures.Server(ThreeTurns);
        var broken = Fixtures.Spec("jb", "broken", "go", server.BaseUrl);
        var fine = Fixtures.Spec("jb", "fine", "go", server.BaseUrl);
        // Rows 1-6 (through list_files started) are stored; from then on every write of this session fails,
        // including the session-resumed each relaunch tries to write first.
        await Journal.OnWrite.FailIf(p => p.PersistenceId == broken.SessionId && p.SequenceNr >= 7);

        Sys.ActorOf(RolloutSupervisor.Props("jb", Fixtures.Fleet(Sys, _dataDir))).Tell(new RunFleet([broken, fine], 2));

        Assert.Equal(new FleetFinished("jb", 2, 1, 1), ExpectMsg<FleetFinished>(Patience));
        var finished = Replay(FleetEvents.PersistenceId("jb")).Select(e => e.Event).OfType<FleetEvents.FleetSessionFinished>().ToList();
        var failed = finished.Single(f => f.SessionId == broken.SessionId);
        Assert.Equal(SessionOutcomes.Failed, failed.Status);
        Assert.StartsWith("stopped 3 times, relaunched from the journal 2 times; last: journal write of SessionResumed #7 failed: ", failed.Error);
        Assert.Equal(SessionOutcomes.Completed, finished.Single(f => f.SessionId == fine.SessionId).Status);

        var events = Replay(broken.SessionId);
        Assert.Equal(Enumerable.Range(1, 6).Select(i => (long)i), events.Select(e => e.Seq));               // 1..6: no gap, no duplicate, nothing lost
        Assert.Equal(Uninterrupted.Take(6), events.Select(e => e.Event.GetType().Name));
        var fineEvents = Replay(fine.SessionId);
        Assert.Equal(Uninterrupted, fineEvents.Select(e => e.Event.GetType().Name));
    }

    private static List<string> ErrorCodes(IEnumerable<ToolCallCompleted> completed) => completed.Select(c => c.Result.ErrorCode ?? "ok").ToList();
}
