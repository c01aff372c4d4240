using System.Text.Json.Nodes;
using static ActorRollouts.FakeLlm.Tests.TokenClient;

namespace ActorRollouts.FakeLlm.Tests;

/// <summary>Chat Completions asked for tokens (vLLM's <c>return_token_ids</c>, <c>logprobs</c>), as an engine capturing
/// tokens for training would use it, through real HTTP.</summary>
public class ChatTokenCaptureTests
{
    internal const string Script = """
        { "scenarios": [
            { "match": "fix the typo", "turns": [
                { "content": "Let me look at both files.", "tool_calls": [ { "name": "read_file", "arguments": { "path": "a.txt" } },
                                                                           { "name": "read_file", "arguments_raw": "{\"path\": \"b/ü.txt\"}" } ] },
                { "reasoning": "a.txt says héllo 😀", "tool_calls": [ { "name": "write_file", "arguments": { "path": "a.txt", "content": "hello" } } ] },
                { "content": "Fixed the typo." } ] },
            { "match": "drift", "turns": [
                { "content": "One." }, { "content": "Two, re-tokenized.", "retokenize": true }, { "content": "Three." }, { "content": "Four." } ] },
            { "match": "think", "template": "drop_think", "turns": [
                { "reasoning": "hmm, odd", "content": "First." }, { "content": "Second." } ] } ] }
        """;

    internal static readonly JsonArray Tools = new(
        new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = "read_file", ["parameters"] = new JsonObject { ["type"] = "object" } } },
        new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = "write_file", ["description"] = "Writes <a> file" } });

    internal static JsonArray Opening(string user) => new(
        new JsonObject { ["role"] = "system", ["content"] = "You are a careful engineer." },
        new JsonObject { ["role"] = "user", ["content"] = user });

    /// <summary>Plays <paramref name="turns"/> turns as a client would, sending each answer back in the history.</summary>
    private static async Task<List<ChatTurn>> Converse(FakeLlmServer server, string user, int turns, bool stream, JsonArray? tools = null)
    {
        var messages = Opening(user);
        var played = new List<ChatTurn>();
        for (var n = 0; n < turns; n++)
        {
            var turn = await Chat(server, messages, tools, stream);
            played.Add(turn);
            Append(messages, turn);
        }
        return played;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Prompt_IsThePreviousPromptPlusCompletion_OverThreeTurnsWithToolCalls(bool stream)
    {
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script));

        var turns = await Converse(server, "please fix the typo", 3, stream, Tools);

        for (var n = 0; n + 1 < turns.Count; n++)
        {
            int[] previous = [.. turns[n].Prompt, .. turns[n].Completion];
            Assert.Equal(previous, turns[n + 1].Prompt[..previous.Length]);
            // then exactly: the "\n" after <|im_end|>, the new (tool) messages, the generation prompt
            var results = (turns[n].Message["tool_calls"]?.AsArray() ?? []).Select(c =>
                $"<|im_start|>user\n<tool_response>\nresult of {(string?)c!["function"]!["name"]}: ok ✓\n</tool_response><|im_end|>\n");
            Assert.Equal(FakeTokenizer.Encode("\n" + string.Concat(results) + FakeChatTemplate.GenerationPrompt), turns[n + 1].Prompt[previous.Length..]);
        }
        Assert.Equal($"<|im_start|>system\nYou are a careful engineer.\n\n# Tools\n{Tools[0]!.ToJsonString()}\n{Tools[1]!.ToJsonString()}<|im_end|>\n" +
            "<|im_start|>user\nplease fix the typo<|im_end|>\n<|im_start|>assistant\n", FakeTokenizer.Decode(turns[0].Prompt));
        Assert.Equal(FakeTokenizer.ImEnd, turns[0].Completion[^1]);
        Assert.Contains("<tool_call>\n{\"name\": \"read_file\", \"arguments\": {\"path\": \"b/ü.txt\"}}\n</tool_call>", FakeTokenizer.Decode(turns[0].Completion));
        Assert.StartsWith("<think>\na.txt says héllo 😀\n</think>\n\n", (string?)turns[1].Message["content"]); // reasoning inline, no parser
        for (var n = 0; n < turns.Count; n++) // what the client captured is what the fake generated
        {
            Assert.Equal(turns[n].Prompt, server.Requests[n].Tokens!.PromptIds);
            Assert.Equal(turns[n].Completion, server.Requests[n].Tokens!.CompletionIds);
        }
    }

    [Fact]
    public async Task Stream_EachChunkCarriesItsTokens_AndOneLogprobEntryPerToken()
    {
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script));
        var messages = Opening("please fix the typo");
        Append(messages, await Chat(server, messages, Tools, stream: false));

        var turn = await Chat(server, messages, Tools, stream: true, new JsonObject { ["logprobs"] = true, ["top_logprobs"] = 2 });

        var chunks = turn.Chunks;
        var choices = chunks.SkipLast(1).Select(c => c["choices"]![0]!).ToList();
        Assert.All(chunks.Skip(1), c => Assert.False(c.AsObject().ContainsKey("prompt_token_ids"))); // the first chunk only
        Assert.False(choices[0].AsObject().ContainsKey("token_ids")); // the role chunk comes before any token, as vLLM's
        Assert.Equal("tool_calls", (string?)choices[^1]["finish_reason"]);
        Assert.Equal(FakeTokenizer.ImEnd, Ids(choices[^1]["token_ids"])[^1]); // the EOS rides on the finish chunk
        Assert.Equal(server.Requests[^1].Tokens!.CompletionIds, turn.Completion);
        foreach (var choice in choices.Skip(1))
        {
            var ids = Ids(choice["token_ids"]);
            if (ids.Length == 0) Assert.Null(choice["logprobs"]);
            else Assert.Equal(ids.Select(FakeTokenizer.TokenText), choice["logprobs"]!["content"]!.AsArray().Select(e => (string)e!["token"]!));
        }
        Assert.True(choices.Count(c => Ids(c["token_ids"] ?? new JsonArray()).Length > 0) > 3, "tokens spread over the chunks");
        var usage = chunks[^1]["usage"]!;
        Assert.Equal((turn.Prompt.Length, turn.Completion.Length), ((int)usage["prompt_tokens"]!, (int)usage["completion_tokens"]!));
    }

    [Fact]
    public async Task Logprobs_AreFloatExactAndDeterministic_WithTopAlternatives_AndTokensAsIds()
    {
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script));
        var extra = new JsonObject { ["logprobs"] = true, ["top_logprobs"] = 3, ["return_tokens_as_token_ids"] = true };

        var first = await Chat(server, Opening("please fix the typo"), Tools, stream: false, extra);
        var again = await Chat(server, Opening("please fix the typo"), Tools, stream: false, extra);

        var entries = first.Chunks[0]["choices"]![0]!["logprobs"]!["content"]!.AsArray();
        Assert.Equal(first.Completion.Select(id => $"token_id:{id}"), entries.Select(e => (string)e!["token"]!));
        var values = entries.Select(e => (float)(double)e!["logprob"]!).ToArray();
        Assert.Equal(server.Requests[0].Tokens!.Logprobs, values);
        Assert.All(values, v => Assert.InRange(v, -4.9999995f, 0f));
        Assert.True(values.Distinct().Count() > values.Length / 2, "values vary by position");
        Assert.Equal(first.Chunks[0]["choices"]![0]!["logprobs"]!.ToJsonString(), again.Chunks[0]["choices"]![0]!["logprobs"]!.ToJsonString());
        Assert.All(entries, e =>
        {
            var top = e!["top_logprobs"]!.AsArray();
            Assert.Equal(3, top.Count);
            Assert.Equal((string?)e["token"], (string?)top[0]!["token"]); // the sampled token first
            Assert.Equal(top.Count, top.Select(t => (string)t!["token"]!).Distinct().Count());
        });
        Assert.Equal("Le"u8.ToArray().Select(b => (int)b), entries[0]!["bytes"]!.AsArray().Select(b => (int)b!));
    }

    [Fact]
    public async Task Retokenize_BreaksThePrefixAtThatTurnsHistoryAndNowhereElse()
    {
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script));

        var turns = await Converse(server, "drift please", 4, stream: false);

        bool Extends(int n)
        {
            int[] previous = [.. turns[n].Prompt, .. turns[n].Completion];
            return turns[n + 1].Prompt.AsSpan().StartsWith(previous);
        }
        Assert.Equal(new[] { true, false, true }, Enumerable.Range(0, 3).Select(Extends));
        var (before, drifted) = (turns[1].Prompt, turns[2].Prompt);
        Assert.Equal(before, drifted[..before.Length]); // all up to turn 1's answer holds
        Assert.NotEqual(turns[1].Completion[0], drifted[before.Length]); // it breaks at the answer's first token
        Assert.Equal(FakeTokenizer.Decode([.. before, .. turns[1].Completion]), FakeTokenizer.Decode(drifted[..(before.Length + "Two, re-tokenized.".Length + 1)]));
    }

    [Fact]
    public async Task DropThink_BreaksThePrefixWhereTheReasoningWas()
    {
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script));

        var turns = await Converse(server, "think first", 2, stream: false);

        Assert.Equal(FakeTokenizer.ThinkStart, turns[0].Completion[0]);
        Assert.Equal(turns[0].Prompt, turns[1].Prompt[..turns[0].Prompt.Length]);
        var withoutReasoning = FakeTokenizer.Encode("First.<|im_end|>\n");
        Assert.Equal(withoutReasoning, turns[1].Prompt[turns[0].Prompt.Length..][..withoutReasoning.Length]);
        Assert.DoesNotContain("<think>", FakeTokenizer.Decode(turns[1].Prompt));
    }

    [Fact]
    public async Task WithoutTokenFields_TheAnswerIsUnchanged()
    {
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script));
        var messages = Opening("please fix the typo");
        messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = "x" });
        var body = new JsonObject { ["model"] = "fake", ["messages"] = messages, ["tools"] = Tools.DeepClone() };

        var whole = await PostJson(server, "/v1/chat/completions", body);
        body["stream"] = true;
        var chunks = Events((await Post(server, "/v1/chat/completions", body)).Text);

        Assert.False(whole.AsObject().ContainsKey("prompt_token_ids"));
        Assert.False(whole["choices"]![0]!.AsObject().ContainsKey("token_ids"));
        Assert.Null(whole["choices"]![0]!["logprobs"]);
        Assert.Null((string?)whole["choices"]![0]!["message"]!["content"]); // the reasoning stays out of the content
        Assert.All(chunks, c => Assert.DoesNotContain("token_ids", c.ToJsonString()));
        Assert.All(server.Requests, r => Assert.Null(r.Tokens));
    }
}
