using System.Collections.Immutable;
using ActorRollouts.Actors.Fleets;
using ActorRollouts.Actors.Trace;
using ActorRollouts.Core.Fleets;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Sessions;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using static ActorRollouts.Actors.Fleets.FleetCommands;
using static ActorRollouts.Actors.Fleets.FleetNotifications;
using static ActorRollouts.Core.Sessions.SessionEvents;

namespace ActorRollouts.Actors.Tests;

/// <summary>Provider faults injected at the scripted server, through real HTTP and the real retry path.</summary>
public class ProviderFaultTests : TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly string _dataDir;

    public ProviderFaultTests() : this(TestSystems.NewDataDir()) { }

    private ProviderFaultTests(string dataDir)
        : base(TestSystems.Config(dataDir, "actor-rollouts.provider { max-attempts = 4, initial-backoff = 50ms, max-backoff = 200ms }")) =>
        _dataDir = dataDir;

    /// <summary>Runs one session against the script; returns its journal and what the server saw.</summary>
    private async Task<(ImmutableList<ISessionEvent> Events, ImmutableList<ActorRollouts.FakeLlm.RecordedRequest> Calls)> RunOne(
        string script, string fleetId, string model = "gpt-4o")
    {
        await using var server = await Fixtures.Server(script);
        var spec = Fixtures.Spec(fleetId, "t", "go", server.BaseUrl, model: model);
        Sys.ActorOf(RolloutSupervisor.Props(fleetId, Fixtures.Fleet(Sys, _dataDir))).Tell(new RunFleet([spec], 1));
        ExpectMsg<FleetFinished>(Patience);
        var events = (await new JournalReader(Sys).SessionEventsAsync(spec.SessionId)).Select(e => e.Event).ToImmutableList();
        return (events, Fixtures.ModelCalls(server));
    }

    [Fact]
    public async Task Http429WithRetryAfter_IsRetriedNoSoonerThanTheServerAsked()
    {
        var (events, calls) = await RunOne("""
            {"scenarios":[{"turns":[{"content":"made it","fault":{"status":429,"headers":{"retry-after":"2"},
              "body":{"error":{"message":"Rate limit reached for gpt-4o. Please try again in 2s.","type":"requests","param":null,"code":"rate_limit_exceeded"}}}}]}]}
            """, "f429");

        Assert.Equal([429, 200], calls.Select(c => c.StatusCode));
        Assert.True(calls[1].ReceivedAt - calls[0].ReceivedAt >= TimeSpan.FromSeconds(2), $"retried after {(calls[1].ReceivedAt - calls[0].ReceivedAt).TotalMilliseconds} ms");
        var failed = Assert.Single(events.OfType<ModelRequestFailed>());
        Assert.Equal((429, 2000L, true), (failed.HttpStatus, failed.RetryAfterMs, failed.WillRetry));
        Assert.Contains("Rate limit reached", failed.Error);
        Assert.IsType<SessionCompleted>(events[^1]);
    }

    [Fact]
    public async Task ResponsesRateLimitInsideTheStream_IsRetriedAfterTheDelayTheMessageNames()
    {
        var (events, calls) = await RunOne("""
            {"scenarios":[{"turns":[{"content":"through","fault":{"response_failed":{"code":"rate_limit_exceeded",
              "message":"Rate limit reached for gpt-5.1 on tokens per min (TPM): Limit 30000, Used 22999, Requested 12528. Please try again in 1.5s."}}}]}]}
            """, "frl", model: "gpt-5.1");

        Assert.All(calls, c => Assert.Equal("/v1/responses", c.Path));
        Assert.Equal(2, calls.Count);
        Assert.True(calls[1].ReceivedAt - calls[0].ReceivedAt >= TimeSpan.FromSeconds(1.5), $"retried after {(calls[1].ReceivedAt - calls[0].ReceivedAt).TotalMilliseconds} ms");
        var failed = Assert.Single(events.OfType<ModelRequestFailed>());
        Assert.Equal((ModelErrorKinds.ApiError, 1500L, true), (failed.ErrorKind, failed.RetryAfterMs, failed.WillRetry));
        Assert.Equal("through", events.OfType<MessageAppended>().Last().Message.Content);
    }

    [Theory]
    [InlineData("gpt-4o")]
    [InlineData("gpt-5.1")]
    public async Task MalformedEventInTheStream_IsRetriedAndTheTranscriptStaysClean(string model)
    {
        var (events, calls) = await RunOne("""
            {"scenarios":[{"turns":[{"content":"clean answer in several words","fault":{"malformed_after_chunks":2}}]}]}
            """, "fmal" + model.Replace(".", ""), model);

        Assert.Equal(2, calls.Count);
        var failed = Assert.Single(events.OfType<ModelRequestFailed>());
        Assert.Equal((ModelErrorKinds.Protocol, true), (failed.ErrorKind, failed.WillRetry));
        Assert.Equal("clean answer in several words", Assert.Single(events.OfType<MessageAppended>(), m => m.Message.Role == Roles.Assistant).Message.Content);
    }

    [Fact]
    public async Task ThreeServerErrorsThenSuccess_CompletesAndJournalsEveryAttempt()
    {
        var (events, _) = await RunOne("""{"scenarios":[{"turns":[{"content":"fourth time lucky","fault":{"status":500,"times":3}}]}]}""", "f500");

        Assert.Equal([1, 2, 3, 4], events.OfType<ModelRequestStarted>().Select(s => s.Attempt));
        Assert.Equal([(1, 500), (2, 500), (3, 500)], events.OfType<ModelRequestFailed>().Select(f => (f.Attempt, f.HttpStatus ?? 0)));
        Assert.Equal("fourth time lucky", events.OfType<MessageAppended>().Last().Message.Content);
        Assert.IsType<SessionCompleted>(events[^1]);
    }

    [Fact]
    public async Task StreamCutAfterThreeChunks_IsRetriedAndTheTranscriptHoldsOneCleanAssistantMessage()
    {
        var (events, _) = await RunOne("""
            {"scenarios":[{"turns":[{"content":"a fairly long answer that streams in several pieces","fault":{"cut_after_chunks":3}}]}]}
            """, "fcut");

        var failed = Assert.Single(events.OfType<ModelRequestFailed>());
        Assert.Equal((ModelErrorKinds.StreamCut, true), (failed.ErrorKind, failed.WillRetry));
        var assistant = Assert.Single(events.OfType<MessageAppended>(), m => m.Message.Role == Roles.Assistant);
        Assert.Equal("a fairly long answer that streams in several pieces", assistant.Message.Content);
    }

    [Fact]
    public async Task Http401ForOneSession_FailsItWithReadableReasonWhileTheOthersComplete()
    {
        await using var server = await Fixtures.Server("""
            {"scenarios":[
              {"match":"wrong key","turns":[{"content":"never","fault":{"status":401,"times":1000,
                "body":{"error":{"message":"Incorrect API key provided: sk-abc***xyz.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}}}]},
              {"turns":[{"content":"fine"}]}]}
            """);
        var specs = ImmutableList.Create(
            Fixtures.Spec("f401", "ok", "all good", server.BaseUrl, sample: 0),
            Fixtures.Spec("f401", "bad", "wrong key", server.BaseUrl),
            Fixtures.Spec("f401", "ok", "all good", server.BaseUrl, sample: 1));

        Sys.ActorOf(RolloutSupervisor.Props("f401", Fixtures.Fleet(Sys, _dataDir))).Tell(new RunFleet(specs, 3));

        Assert.Equal(new FleetFinished("f401", 3, 2, 1), ExpectMsg<FleetFinished>(Patience));
        var bad = await new JournalReader(Sys).SessionAsync("f401:bad:0");
        Assert.Equal(SessionStatus.Failed, bad.Status);
        Assert.Contains("HTTP 401", bad.Error);
        Assert.Contains("Incorrect API key provided", bad.Error);
        Assert.DoesNotContain("sk-abc", bad.Error);
        Assert.Single(Fixtures.ModelCalls(server), c => c.StatusCode == 401); // never retried
    }
}
