using System.Collections.Immutable;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Sessions;
using ActorRollouts.Core.Tokens;
using static ActorRollouts.Core.Sessions.SessionInputs;
using static ActorRollouts.Core.Tests.Given;

namespace ActorRollouts.Core.Tests;

/// <summary>Samples rebuilt from a session's journaled turns: one sample while every prompt extends the last turn, a new
/// one exactly where the server re-tokenized history or gave no tokens; masks, logprobs and versions token for token.</summary>
public class TokenSamplesTests
{
    private static SessionState CaptureSession(int policyVersion = 0) => Run(SessionState.Empty,
        new Start(Spec() with { Endpoint = Spec().Endpoint with { Tokens = TokenModes.Capture, PolicyVersion = policyVersion } }, "/ws", T0));

    /// <summary>Asks for turn <paramref name="turn"/> and answers it with these tokens (null: the server sent none).</summary>
    private static SessionState Turn(SessionState state, int turn, TokenOutput? tokens, string? text = null) =>
        Run(state, new ModelAttemptStarting(turn, 1, T0), new ModelResponded(turn, Answer(text ?? $"turn {turn}", Call($"c{turn}")) with { Tokens = tokens }, T0));

    private static SessionState Reply(SessionState state, int turn) =>
        Run(state, new ToolStarting(Call($"c{turn}"), T0), new ToolFinished(Ok(Call($"c{turn}")), 1, T0));

    private static TokenOutput Out(int[] prompt, int[] completion) =>
        new([.. prompt], [.. completion], [.. completion.Select(id => -id / 1000f)]);

    [Fact]
    public void ExtendingPrompts_AreOneSample_WithGeneratedTokensMaskedOne()
    {
        var state = Reply(Turn(CaptureSession(), 1, Out([1, 2, 3], [10, 11])), 1);
        state = Reply(Turn(state, 2, Out([1, 2, 3, 10, 11, 50, 51], [12, 13, 14])), 2);
        state = Turn(state, 3, Out([1, 2, 3, 10, 11, 50, 51, 12, 13, 14, 60], [15]));

        var sample = Assert.Single(TokenSamples.From(state.TokenTurns));

        Assert.Equal([1, 2, 3], sample.PromptIds.ToArray());
        Assert.Equal([10, 11, 50, 51, 12, 13, 14, 60, 15], sample.ResponseIds.ToArray());
        Assert.Equal(new byte[] { 1, 1, 0, 0, 1, 1, 1, 0, 1 }, sample.ResponseMask.ToArray());
        Assert.Equal([-0.010f, -0.011f, 0, 0, -0.012f, -0.013f, -0.014f, 0, -0.015f], sample.ResponseLogprobs.ToArray());
        Assert.Equal([1, 2, 3], sample.Turns.ToArray());
        Assert.Equal(TokenSample.FirstTurn, sample.StartReason);
        Assert.Null(sample.Drift);
        // Each id is journaled once: the later prompts store only what is new.
        Assert.Equal([0, 5, 10], state.TokenTurns.Select(t => t.Tokens.PromptShared));
    }

    [Fact]
    public void RetokenizedHistory_StartsANewSampleAtThatTurn_AndNowhereElse()
    {
        var state = Reply(Turn(CaptureSession(), 1, Out([1, 2], [10])), 1);
        state = Reply(Turn(state, 2, Out([1, 2, 10, 50], [11])), 2);
        // Turn 3's prompt has turn 2's answer as other ids (77 instead of 11): the server re-tokenized it.
        state = Reply(Turn(state, 3, Out([1, 2, 10, 50, 77, 60], [12])), 3);
        state = Turn(state, 4, Out([1, 2, 10, 50, 77, 60, 12, 70], [13]));

        var samples = TokenSamples.From(state.TokenTurns);

        Assert.Equal(2, samples.Count);
        Assert.Equal([1, 2], samples[0].PromptIds.ToArray());
        Assert.Equal([10, 50, 11], samples[0].ResponseIds.ToArray());
        Assert.Equal([1, 2], samples[0].Turns.ToArray());
        Assert.Equal([1, 2, 10, 50, 77, 60], samples[1].PromptIds.ToArray());
        Assert.Equal([12, 70, 13], samples[1].ResponseIds.ToArray());
        Assert.Equal((TokenSample.Drifted, (int?)3, 1), (samples[1].StartReason, samples[1].Drift, samples[1].SampleIndex));
    }

    [Fact]
    public void ATurnWithoutTokens_IsInNoSample_AndTheNextStartsAfterIt()
    {
        var state = Reply(Turn(CaptureSession(), 1, Out([1, 2], [10])), 1);
        state = Reply(Turn(state, 2, null), 2);
        state = Turn(state, 3, Out([1, 2, 10, 50, 99, 98, 60], [12]));

        var samples = TokenSamples.From(state.TokenTurns);

        Assert.Same(TurnTokens.Unavailable, state.TokenTurns[1].Tokens);
        Assert.Equal([[1], [3]], samples.Select(s => s.Turns.ToArray()));
        Assert.Equal(TokenSample.AfterUnavailable, samples[1].StartReason);
        Assert.Equal([1, 2, 10, 50, 99, 98, 60], samples[1].PromptIds.ToArray());
    }

    [Fact]
    public void PolicyVersion_LabelsEachGeneratedTokenWithItsRequestsVersion()
    {
        var state = Reply(Turn(CaptureSession(policyVersion: 0), 1, Out([1], [10, 11])), 1);
        state = state with { Spec = state.Spec! with { Endpoint = state.Spec.Endpoint with { PolicyVersion = 3 } } };
        state = Turn(state, 2, Out([1, 10, 11, 50], [12]));

        var sample = Assert.Single(TokenSamples.From(state.TokenTurns));

        Assert.Equal([0, 0, -1, 3], sample.PolicyVersions.ToArray());
        Assert.Equal([(0, 0), (3, 3)], state.TokenTurns.Select(t => (t.DispatchVersion, t.CompletionVersion)));
    }

    [Fact]
    public void ARequestInFlightAcrossAVersionChange_ShowsBothVersions()
    {
        var state = Run(CaptureSession(policyVersion: 1), new ModelAttemptStarting(1, 1, T0));
        state = state with { Spec = state.Spec! with { Endpoint = state.Spec.Endpoint with { PolicyVersion = 2 } } };

        var events = SessionDecider.Decide(state, new ModelResponded(1, Answer("hi") with { Tokens = Out([1], [10]) }, T0));
        state = events.Aggregate(state, (s, e) => s.Apply(e));

        Assert.Equal(2, events.OfType<SessionEvents.ModelResponseReceived>().Single().PolicyVersion);
        Assert.Equal((1, 2), (state.TokenTurns[0].DispatchVersion, state.TokenTurns[0].CompletionVersion));
    }

    [Fact]
    public void TokensOff_JournalsNoTokensAndNoVersion()
    {
        var state = Run(Started(), new ModelAttemptStarting(1, 1, T0));

        var events = SessionDecider.Decide(state, new ModelResponded(1, Answer("hi") with { Tokens = Out([1], [10]) }, T0));

        var received = events.OfType<SessionEvents.ModelResponseReceived>().Single();
        Assert.Equal((null, null), (received.Tokens, received.PolicyVersion));
        Assert.Null(SessionDecider.Decide(Started(), new ModelAttemptStarting(1, 1, T0)).OfType<SessionEvents.ModelRequestStarted>().Single().Sampling);
    }

    [Fact]
    public void ModelRequestStarted_WithTokens_CarriesVersionAndHowItWasSampled()
    {
        var endpoint = Spec().Endpoint with { Tokens = TokenModes.Capture, PolicyVersion = 4, Temperature = 0.7, TopLogprobs = 2 };
        var state = Run(SessionState.Empty, new Start(Spec() with { Endpoint = endpoint }, "/ws", T0));

        var started = SessionDecider.Decide(state, new ModelAttemptStarting(1, 1, T0)).OfType<SessionEvents.ModelRequestStarted>().Single();

        Assert.Equal(4, started.PolicyVersion);
        Assert.Equal(new RequestSampling(endpoint.BaseUrl, 0.7, null, 2, null, "policy-4"), started.Sampling);
    }

    [Fact]
    public void ModelReplied_CoarseRow_KeepsTokensVersionAndFingerprint()
    {
        var state = Run(CaptureSession(policyVersion: 2), new ModelAttemptStarting(1, 1, T0));
        var events = SessionDecider.Decide(state, new ModelResponded(1, Answer("hi") with { Tokens = Out([1], [10]), SystemFingerprint = "fp_1" }, T0));

        var row = Assert.IsType<ModelReplied>(Assert.Single(CoarseEvents.Coarsen(events)));

        Assert.Equal(events, row.Parts().ToImmutableList());
        Assert.Equal(("fp_1", (int?)2), (row.SystemFingerprint, row.PolicyVersion));
    }

    [Fact]
    public void Trace_ShowsHowManyTokensATurnHas_NotTheIds()
    {
        var state = Run(CaptureSession(), new ModelAttemptStarting(1, 1, T0));
        var received = SessionDecider.Decide(state, new ModelResponded(1, Answer("hi") with { Tokens = Out([1, 2, 3], [10, 11]) }, T0))
            .OfType<SessionEvents.ModelResponseReceived>().Single();
        var unavailable = received with { Tokens = TurnTokens.Unavailable };

        var data = Trace.TraceLines.ToLine(4, received)["data"]!;

        Assert.Equal("""{"prompt_shared":0,"prompt_new":3,"completion":2,"logprobs":2}""", data["tokens"]!.ToJsonString());
        Assert.Equal("unavailable", (string?)Trace.TraceLines.ToLine(4, unavailable)["data"]!["tokens"]);
    }
}
