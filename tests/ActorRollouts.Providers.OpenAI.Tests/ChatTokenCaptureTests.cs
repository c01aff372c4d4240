using System.Text.Json;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Tokens;

namespace ActorRollouts.Providers.OpenAI.Tests;

/// <summary>With <c>--tokens capture</c> a Chat Completions request asks a vLLM server for token ids and logprobs, and the
/// stream's ids and logprobs come back whole: the prompt's from the first chunk, the generated ones chunk by chunk.</summary>
public class ChatTokenCaptureTests
{
    /// <summary>vLLM's stream with <c>return_token_ids</c> and <c>logprobs</c>: prompt ids on the first chunk only, each
    /// chunk's delta ids and logprob entries, the EOS id with the finish reason, then usage.</summary>
    private const string VllmStream =
        "data: {\"id\":\"chatcmpl-7\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"Qwen/Qwen3-8B\",\"system_fingerprint\":\"fp_v1\",\"prompt_token_ids\":[151644,872,198,9707],\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null,\"token_ids\":[]}]}\n\n" +
        "data: {\"id\":\"chatcmpl-7\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"Qwen/Qwen3-8B\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi the\"},\"logprobs\":{\"content\":[{\"token\":\"Hi\",\"logprob\":-0.0012345678806304932,\"bytes\":[72,105],\"top_logprobs\":[{\"token\":\"Hi\",\"logprob\":-0.0012345678806304932,\"bytes\":[72,105]}]},{\"token\":\" the\",\"logprob\":-2.5,\"bytes\":[32,116,104,101],\"top_logprobs\":[]}]},\"finish_reason\":null,\"token_ids\":[13048,279]}]}\n\n" +
        "data: {\"id\":\"chatcmpl-7\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"Qwen/Qwen3-8B\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"re\"},\"logprobs\":{\"content\":[{\"token\":\"re\",\"logprob\":-0.25,\"bytes\":[114,101],\"top_logprobs\":[]},{\"token\":\"\",\"logprob\":-1e-06,\"bytes\":[],\"top_logprobs\":[]}]},\"finish_reason\":\"stop\",\"token_ids\":[265,151645]}]}\n\n" +
        "data: {\"id\":\"chatcmpl-7\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"Qwen/Qwen3-8B\",\"choices\":[],\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":4,\"total_tokens\":8}}\n\n" +
        "data: [DONE]\n\n";

    private static ModelRequest Capture(Uri baseUrl, int topLogprobs = 0, int policyVersion = 0) => Fixtures.Request(baseUrl) with
    {
        Endpoint = new Endpoint(baseUrl.ToString(), "Qwen/Qwen3-8B", "chat", "AR_NO_KEY", Tokens: TokenModes.Capture, TopLogprobs: topLogprobs, PolicyVersion: policyVersion),
    };

    [Fact]
    public async Task Capture_AsksForIdsLogprobsAndASaltPerPolicyVersion()
    {
        await using var server = await ReplayServer.StartAsync(new Replay(VllmStream));

        await Fixtures.Client().CompleteAsync(Capture(server.BaseUrl, topLogprobs: 2, policyVersion: 5), null, CancellationToken.None);

        var body = JsonDocument.Parse(Assert.Single(server.Received).Body).RootElement;
        Assert.True(body.GetProperty("logprobs").GetBoolean());
        Assert.Equal(2, body.GetProperty("top_logprobs").GetInt32());
        Assert.True(body.GetProperty("return_token_ids").GetBoolean());
        Assert.Equal("policy-5", body.GetProperty("cache_salt").GetString());
    }

    [Fact]
    public async Task TokensOff_AsksForNoneOfThem()
    {
        await using var server = await ReplayServer.StartAsync(new Replay(ChatRequestTests.Done));

        await Fixtures.Client().CompleteAsync(Fixtures.Request(server.BaseUrl), null, CancellationToken.None);

        var body = JsonDocument.Parse(Assert.Single(server.Received).Body).RootElement;
        foreach (var field in new[] { "logprobs", "top_logprobs", "return_token_ids", "cache_salt" })
            Assert.False(body.TryGetProperty(field, out _), field);
    }

    [Fact]
    public async Task Capture_ReadsPromptIdsGeneratedIdsAndLogprobsFromTheStream()
    {
        await using var server = await ReplayServer.StartAsync(new Replay(VllmStream));

        var response = await Fixtures.Client().CompleteAsync(Capture(server.BaseUrl), null, CancellationToken.None);

        var tokens = Assert.IsType<TokenOutput>(response.Tokens);
        Assert.Equal([151644, 872, 198, 9707], tokens.PromptIds.ToArray());
        Assert.Equal([13048, 279, 265, 151645], tokens.CompletionIds.ToArray());
        Assert.Equal([(float)-0.0012345678806304932, -2.5f, -0.25f, (float)-1e-06], tokens.Logprobs.ToArray());
        Assert.Equal("fp_v1", response.SystemFingerprint);
        Assert.Equal("Hi there", response.Assistant.Content);
    }

    [Fact]
    public async Task AServerThatIgnoresTheFields_GivesNoTokens()
    {
        await using var server = await ReplayServer.StartAsync(new Replay(ChatRequestTests.Done));

        var response = await Fixtures.Client().CompleteAsync(Capture(server.BaseUrl), null, CancellationToken.None);

        Assert.Null(response.Tokens);
    }
}
