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
        await Journal.OnWrite.FailIf(p => p.PersistenceId == spec.SessionId && p.Payload is ToolCallCompleted { Result.Name: "write_file" }
                                           && Interlocked.Increment(ref failures) == 1);

        Sys.ActorOf(RolloutSupervisor.Props("jf", Fixtures.Fleet(Sys, _dataDir))).Tell(new RunFleet([spec], 1));

        Assert.Equal(new FleetFinished("jf", 1, 1, 0), ExpectMsg<FleetFinished>(Patience));
        var events = Replay(spec.SessionId);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Seq));   // no gap, no duplicate
        Assert.Single(events, e => e.Event is SessionResumed);
        var completed = events.Select(e => e.Event).OfType<ToolCallCompleted>().ToList();
        Assert.Equal(completed.Select(c => c.Result.ToolCallId).Distinct().Count(), completed.Count);        // each call answered once
        Assert.Equal(ErrorCodes(completed), ["ok", "E_INTERRUPTED"]); // the write was in flight at the failure: never silently re-run
        Assert.IsType<SessionCompleted>(events[^1].Event);
    }

    [Fact]
    public async Task WritesThatKeepFailing_SessionIsRecordedFailedWithTheReasonAndTheFleetGoesOn()
    {
        await using var server = await Fixtures.Server(ThreeTurns);
        var broken = Fixtures.Spec("jb", "broken", "go", server.BaseUrl);
        var fine = Fixtures.Spec("jb", "fine", "go", server.BaseUrl);
        await Journal.OnWrite.FailIf(p => p.PersistenceId == broken.SessionId && p.Payload is SessionStarted);

        Sys.ActorOf(RolloutSupervisor.Props("jb", Fixtures.Fleet(Sys, _dataDir))).Tell(new RunFleet([broken, fine], 2));

        Assert.Equal(new FleetFinished("jb", 2, 1, 1), ExpectMsg<FleetFinished>(Patience));
        var finished = Replay(FleetEvents.PersistenceId("jb")).Select(e => e.Event).OfType<FleetEvents.FleetSessionFinished>().Single(f => f.SessionId == broken.SessionId);
        Assert.Equal(SessionOutcomes.Failed, finished.Status);
        Assert.True(finished.Error!.Contains("stopped 3 times, relaunched from the journal 2 times"), finished.Error);
        Assert.Contains("journal write of", finished.Error);
        var events = Replay(broken.SessionId);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Seq));
    }

    private static List<string> ErrorCodes(IEnumerable<ToolCallCompleted> completed) => completed.Select(c => c.Result.ErrorCode ?? "ok").ToList();
}
