using System.Collections.Concurrent;
using System.Collections.Immutable;
using ActorRollouts.Actors.Fleets;
using ActorRollouts.Actors.Sessions;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using ActorRollouts.Actors.Storage;
using Akka.TestKit.Xunit2;
using static ActorRollouts.Actors.Fleets.FleetCommands;
using static ActorRollouts.Actors.Fleets.FleetNotifications;
using static ActorRollouts.Actors.Sessions.SessionCommands;
using static ActorRollouts.Actors.Sessions.SessionNotifications;

namespace ActorRollouts.Actors.Tests;

/// <summary>A session the fleet launches for the first time has an empty journal: it reads no snapshot and replays
/// nothing. A session that ran before recovers in full (the kill/resume tests pin that it resumes where it stopped).</summary>
public class FirstLaunchRecoveryTests : TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly string _dataDir;

    public FirstLaunchRecoveryTests() : this(TestSystems.NewDataDir()) { }

    private FirstLaunchRecoveryTests(string dataDir) : base(TestSystems.Config(dataDir, CountingSnapshotStore.Config)) => _dataDir = dataDir;

    [Fact]
    public async Task Fleet_FirstLaunchOfEachSession_ReadsNoSnapshot_WhileASessionThatRanBeforeDoes()
    {
        await using var server = await Fixtures.Server("""{ "scenarios": [ { "turns": [ { "content": "Done." } ] } ] }""");
        var specs = Enumerable.Range(0, 3).Select(i => Fixtures.Spec("fl", "t", "hi", server.BaseUrl, sample: i)).ToImmutableList();
        var supervisor = Sys.ActorOf(RolloutSupervisor.Props("fl", Fixtures.Fleet(Sys, _dataDir)));

        supervisor.Tell(new RunFleet(specs, Concurrency: 3));

        Assert.Equal(new FleetFinished("fl", 3, 3, 0), ExpectMsg<FleetFinished>(Patience));
        Assert.All(specs, s => Assert.Equal(0, CountingSnapshotStore.LoadsOf(s.SessionId)));

        // The same session started again outside the fleet recovers from its journal: it knows it has finished.
        var again = Sys.ActorOf(StepParent.Props(SessionActor.Props(specs[0].SessionId, Fixtures.Services(Sys, _dataDir)), TestActor));
        again.Tell(new StartSession(specs[0]));
        Assert.Equal("completed", ExpectMsg<SessionEnded>(Patience).Status);
        Assert.Equal(1, CountingSnapshotStore.LoadsOf(specs[0].SessionId));
    }
}

/// <summary>Our SQLite snapshot store, counting the loads it is asked for by persistence id.</summary>
public sealed class CountingSnapshotStore(Config config) : SqliteSnapshotStore(config)
{
    private static readonly ConcurrentDictionary<string, int> Loads = new();

    /// <summary>The shipped snapshot store's settings, with this class in place of ours.</summary>
    public const string Config = """
        akka.persistence.snapshot-store.actor-rollouts-sqlite.class = "ActorRollouts.Actors.Tests.CountingSnapshotStore, ActorRollouts.Actors.Tests"
        """;

    public static int LoadsOf(string persistenceId) => Loads.GetValueOrDefault(persistenceId);

    protected override Task<SelectedSnapshot?> LoadAsync(string persistenceId, SnapshotSelectionCriteria criteria, CancellationToken cancel)
    {
        Loads.AddOrUpdate(persistenceId, 1, (_, n) => n + 1);
        return base.LoadAsync(persistenceId, criteria, cancel);
    }
}
