using System.Collections.Immutable;
using ActorRollouts.Actors.Fleets;
using ActorRollouts.Actors.Trace;
using ActorRollouts.Core.Fleets;
using ActorRollouts.Core.Sessions;
using ActorRollouts.Core.Tasks;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using static ActorRollouts.Actors.Fleets.FleetCommands;
using static ActorRollouts.Actors.Fleets.FleetNotifications;
using static ActorRollouts.Core.Sessions.SessionEvents;

namespace ActorRollouts.Actors.Tests;

public class RolloutSupervisorTests : TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly string _dataDir;

    public RolloutSupervisorTests() : this(TestSystems.NewDataDir()) { }

    private RolloutSupervisorTests(string dataDir) : base(TestSystems.Config(dataDir)) => _dataDir = dataDir;

    private const string OneTurnDone = """{ "scenarios": [ { "delay_ms": 200, "turns": [ { "content": "Done." } ] } ] }""";

    [Fact]
    public async Task Fleet_ConcurrencyLimit_IsNeverExceededAtTheServerAndEverySessionCompletes()
    {
        await using var server = await Fixtures.Server(OneTurnDone);
        var specs = Enumerable.Range(0, 24).Select(i => Fixtures.Spec("fc", "t", "hi", server.BaseUrl, sample: i)).ToImmutableList();
        var supervisor = Sys.ActorOf(RolloutSupervisor.Props("fc", Fixtures.Fleet(Sys, _dataDir)));

        supervisor.Tell(new RunFleet(specs, Concurrency: 4));

        Assert.Equal(new FleetFinished("fc", 24, 24, 0), ExpectMsg<FleetFinished>(Patience));
        Assert.Equal(24, Fixtures.ModelCalls(server).Count);
        Assert.Equal(4, server.MaxInFlight);
        var lines = await File.ReadAllLinesAsync(Path.Combine(_dataDir, "trajectories.jsonl"));
        Assert.Equal(specs.Select(s => s.SessionId).Order(), lines.Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("session_id").GetString()).Order());
    }

    /// <summary>The run's summary and <c>sessions</c> read finished sessions from the fleet's journal alone: what it
    /// journals for each must be what the session's own journal folds to.</summary>
    [Fact]
    public async Task Fleet_JournalsEachFinishedSessionsFigures_AsItsOwnJournalHasThem()
    {
        await using var server = await Fixtures.Server("""{ "scenarios": [ { "turns": [ { "content": "Done." } ] } ] }""");
        var specs = Enumerable.Range(0, 3).Select(i => Fixtures.Spec("ff", "t", "hi", server.BaseUrl, sample: i)).ToImmutableList();
        var supervisor = Sys.ActorOf(RolloutSupervisor.Props("ff", Fixtures.Fleet(Sys, _dataDir)));

        supervisor.Tell(new RunFleet(specs, Concurrency: 3));

        ExpectMsg<FleetFinished>(Patience);
        var reader = new JournalReader(Sys);
        var fleet = await reader.FleetAsync("ff");
        foreach (var spec in specs)
        {
            var own = SessionFigures.From(await reader.SessionAsync(spec.SessionId));
            Assert.Equal(1, own.Turns);
            Assert.True(own.Usage.InputTokens > 0 && own.EndedAt is not null);
            Assert.Equal(own, fleet.Finished[spec.SessionId].Figures);
        }

        // The summary after the last step reads no session journal: with theirs gone, it is the same.
        var before = await FleetReport.RowsAsync(reader, "ff", runActive: false);
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_dataDir, "journal.db")}"))
        {
            connection.Open();
            using var delete = connection.CreateCommand();
            delete.CommandText = "DELETE FROM journal WHERE persistence_id LIKE 'ff:%'";
            Assert.True(delete.ExecuteNonQuery() > 0);
        }
        Assert.Equal(before, await FleetReport.RowsAsync(reader, "ff", runActive: false));
        Assert.All(before, row => Assert.Equal((1, "completed"), (row.Turns, row.Status)));
    }

    [Fact]
    public async Task Fleet_OneSessionsModelUnreachable_FailsOnlyThatSessionWithReasonAndTheRestComplete()
    {
        await using var server = await Fixtures.Server(OneTurnDone);
        var specs = ImmutableList.Create(
            Fixtures.Spec("fu", "ok", "hi", server.BaseUrl, sample: 0),
            Fixtures.Spec("fu", "down", "hi", new Uri("http://127.0.0.1:1/v1")),
            Fixtures.Spec("fu", "ok", "hi", server.BaseUrl, sample: 1));
        var supervisor = Sys.ActorOf(RolloutSupervisor.Props("fu", Fixtures.Fleet(Sys, _dataDir)));

        supervisor.Tell(new RunFleet(specs, Concurrency: 3));

        Assert.Equal(new FleetFinished("fu", 3, 2, 1), ExpectMsg<FleetFinished>(Patience));
        var rows = await FleetReport.RowsAsync(new JournalReader(Sys), "fu", runActive: false);
        var down = rows.Single(r => r.TaskId == "down");
        Assert.Equal(SessionOutcomes.Failed, down.Status);
        Assert.Contains("refused", down.Error, StringComparison.OrdinalIgnoreCase);
        Assert.All(rows.Where(r => r.TaskId == "ok"), r => Assert.Equal((SessionOutcomes.Completed, "done"), (r.Status, r.StopReason)));
    }

    /// <summary>System 1 is terminated while turn 2's request is in flight. System 2 — a new ActorSystem on the same
    /// SQLite journal — recovers the fleet and the session, sends exactly the same turn-2 request again (on the
    /// Responses API that includes turn 1's reasoning item with its encrypted content), and never repeats turn 1,
    /// whose response was journaled.</summary>
    [Theory]
    [InlineData("gpt-4o", "/v1/chat/completions")]
    [InlineData("gpt-5.1-codex-high", "/v1/responses")]
    public async Task Session_InterruptedMidway_RecoversInNewSystemAndNeverRepeatsAJournaledModelCall(string model, string path)
    {
        await using var server = await Fixtures.Server("""
            { "scenarios": [ { "turns": [
                { "reasoning": "Write it first.", "tool_calls": [ { "name": "write_file", "arguments": { "path": "note.txt", "content": "one\n" } } ] },
                { "content": "Now the slow part.", "delay_ms": 1500, "tool_calls": [ { "name": "read_file", "arguments": { "path": "note.txt" } } ] },
                { "content": "Finished." } ] } ] }
            """);
        var spec = Fixtures.Spec("fr", "slow", "take your time", server.BaseUrl, model: model);
        var first = Sys.ActorOf(RolloutSupervisor.Props("fr", Fixtures.Fleet(Sys, _dataDir)));
        first.Tell(new RunFleet([spec], 1));
        AwaitAssert(() => Assert.Contains(Fixtures.ModelCalls(server), r => Fixtures.TurnIndexOf(r) == 1), Patience);
        await Sys.Terminate();

        var config = TestSystems.Config(_dataDir);
        using var second = ActorSystem.Create("second", config);
        var journalBefore = await new JournalReader(second).SessionEventsAsync(spec.SessionId);
        Assert.Equal(2, SessionState.From(journalBefore.Select(e => e.Event)).InFlightTurn); // turn 2 was in flight
        var probe = CreateTestProbe(second);

        probe.Send(second.ActorOf(RolloutSupervisor.Props("fr", Fixtures.Fleet(second, _dataDir))), new RunFleet([spec], 1));

        Assert.Equal(new FleetFinished("fr", 1, 1, 0), probe.ExpectMsg<FleetFinished>(Patience));
        var calls = Fixtures.ModelCalls(server);
        Assert.Equal(1, calls.Count(r => Fixtures.TurnIndexOf(r) == 0));   // journaled response: never asked again
        Assert.Equal(2, calls.Count(r => Fixtures.TurnIndexOf(r) == 1));   // in flight at the kill: sent once more
        var turnTwo = calls.Where(r => Fixtures.TurnIndexOf(r) == 1).Select(r => r.Body).ToList();
        Assert.Equal(turnTwo[0], turnTwo[1]);                              // from exactly the same transcript
        Assert.All(calls, c => Assert.Equal(path, c.Path));
        if (path == "/v1/responses") Assert.Contains("gAAAAB-fake-", turnTwo[1]); // turn 1's reasoning, carried over

        var journalAfter = await new JournalReader(second).SessionEventsAsync(spec.SessionId);
        Assert.Equal(journalBefore.Select(e => (e.Seq, e.Event.GetType())), journalAfter.Take(journalBefore.Count).Select(e => (e.Seq, e.Event.GetType())));
        var resumed = Assert.IsType<SessionResumed>(journalAfter[journalBefore.Count].Event);
        Assert.Equal(journalBefore[^1].Seq, resumed.FromSequenceNr);
        var final = SessionState.From(journalAfter.Select(e => e.Event));
        Assert.Equal((SessionStatus.Completed, 3), (final.Status, final.Turns));
        await second.Terminate();
    }
}
