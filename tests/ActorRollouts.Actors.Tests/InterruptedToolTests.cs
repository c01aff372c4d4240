using ActorRollouts.Actors.Fleets;
using ActorRollouts.Actors.Trace;
using ActorRollouts.Core.Model;
using ActorRollouts.Environments;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using static ActorRollouts.Actors.Fleets.FleetCommands;
using static ActorRollouts.Actors.Fleets.FleetNotifications;
using static ActorRollouts.Core.Sessions.SessionEvents;

namespace ActorRollouts.Actors.Tests;

/// <summary>The process dies while a tool runs (system 1 is terminated with the call in flight); system 2 resumes from
/// the journal: an idempotent read re-runs, anything else is answered E_INTERRUPTED, and the session completes.</summary>
public class InterruptedToolTests : TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly string _dataDir;

    public InterruptedToolTests() : this(TestSystems.NewDataDir()) { }

    private InterruptedToolTests(string dataDir) : base(TestSystems.Config(dataDir)) => _dataDir = dataDir;

    /// <summary>Runs the real tools, except that the first call of <paramref name="tool"/> never finishes.</summary>
    private sealed class HangsOnce(IToolExecutor real, string tool, TaskCompletionSource started) : IToolExecutor
    {
        public async Task<ToolExecution> ExecuteAsync(ToolCall call, CancellationToken cancellationToken)
        {
            if (call.Name != tool) return await real.ExecuteAsync(call, cancellationToken);
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }
    }

    [Theory]
    [InlineData("write_file", """{"path":"out.txt","content":"x"}""", false)]
    [InlineData("read_file", """{"path":"in.txt"}""", true)]
    public async Task ToolInFlightWhenTheProcessDies_IsRerunIfIdempotentElseInterrupted(string tool, string arguments, bool rerun)
    {
        await using var server = await Fixtures.Server($$"""
            {"scenarios":[{"turns":[{"tool_calls":[{"name":"{{tool}}","arguments_raw":{{System.Text.Json.JsonSerializer.Serialize(arguments)}}}]},{"content":"after"}]}]}
            """);
        var spec = Fixtures.Spec("fi", "t", "go", server.BaseUrl, Fixtures.Template(_dataDir, ("in.txt", "inside\n")));
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hanging = Fixtures.Fleet(Sys, _dataDir);
        hanging = hanging with
        {
            Sessions = hanging.Sessions with
            {
                Settings = hanging.Sessions.Settings with
                {
                    Environment = hanging.Sessions.Settings.Environment with { ExecutorFactory = (ws, tools) => new HangsOnce(new ToolExecutor(ws, tools), tool, started) },
                },
            },
        };
        Sys.ActorOf(RolloutSupervisor.Props("fi", hanging)).Tell(new RunFleet([spec], 1));
        await started.Task.WaitAsync(Patience);
        await Sys.Terminate(); // the process "dies" with the tool call in flight

        using var second = ActorSystem.Create("second", TestSystems.Config(_dataDir));
        var probe = CreateTestProbe(second);
        probe.Send(second.ActorOf(RolloutSupervisor.Props("fi", Fixtures.Fleet(second, _dataDir))), new RunFleet([spec], 1));

        Assert.Equal(new FleetFinished("fi", 1, 1, 0), probe.ExpectMsg<FleetFinished>(Patience));
        var events = (await new JournalReader(second).SessionEventsAsync(spec.SessionId)).Select(e => e.Event).ToList();
        var resumed = Assert.Single(events.OfType<SessionResumed>());
        var result = Assert.Single(events.OfType<ToolCallCompleted>()).Result;
        if (rerun)
        {
            Assert.Single(resumed.RerunToolCallIds);
            Assert.Equal(2, events.OfType<ToolCallStarted>().Count());   // started, interrupted, started again
            Assert.True(result.Ok, result.Content);
            Assert.Contains("inside", result.Content);
        }
        else
        {
            Assert.Empty(resumed.RerunToolCallIds);
            Assert.Equal(ErrorCodes.Interrupted, result.ErrorCode);
            Assert.Contains("was undone", result.Content);
        }
        Assert.Equal("after", events.OfType<MessageAppended>().Last(m => m.Message.Role == Roles.Assistant).Message.Content);
        await second.Terminate();
    }
}
