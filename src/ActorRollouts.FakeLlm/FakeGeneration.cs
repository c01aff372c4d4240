using System.Text;

namespace ActorRollouts.FakeLlm;

/// <summary>What the fake model "generates" for a scripted turn when asked for tokens: the Body
/// (<see cref="FakeChatTemplate.AssistantBody"/>), encoded, then <c>&lt;|im_end|&gt;</c> as the sampler's EOS, with a
/// logprob per token. <see cref="Content"/> is the message content to send: the turn's reasoning, when inline, comes
/// first as a think block (there is no reasoning parser on the token path).</summary>
internal sealed class FakeGeneration
{
    private FakeGeneration(string? content, BodyLayout body, IReadOnlyList<(string Name, string Arguments)> calls, int[] ids, float[] logprobs)
    {
        Content = content;
        Body = body;
        Calls = calls;
        CompletionIds = ids;
        Logprobs = logprobs;
    }

    public string? Content { get; }
    public BodyLayout Body { get; }
    public IReadOnlyList<(string Name, string Arguments)> Calls { get; }
    public int[] CompletionIds { get; }
    public float[] Logprobs { get; }

    public static FakeGeneration For(ScriptedTurn turn, bool inlineReasoning)
    {
        var content = inlineReasoning && turn.Turn.Reasoning is { } reasoning ? FakeChatTemplate.ThinkBlock(reasoning) + turn.Turn.Content : turn.Turn.Content;
        var calls = turn.Turn.ToolCalls.Select(c => (c.Name, c.Arguments)).ToList();
        var body = FakeChatTemplate.Layout(content, calls);
        int[] ids = [.. FakeTokenizer.Encode(body.Text), FakeTokenizer.ImEnd];
        return new FakeGeneration(content, body, calls, ids, FakeLogprobs.For(turn.Scenario.Index, turn.Index, ids.Length));
    }

    public FakeTokens Tokens(int[] promptIds) => new(promptIds, CompletionIds, Logprobs);

    /// <summary>The tokens each stream chunk carries, for chunks whose text reaches the given Body offsets (chars, non-
    /// decreasing; <see cref="int.MaxValue"/> for the finish chunk): a token goes with the first chunk whose text covers
    /// all of it, so the slices are contiguous, concatenate to <see cref="CompletionIds"/>, and the EOS (past the Body)
    /// goes with the finish chunk.</summary>
    public List<(int Start, int End)> Slices(IEnumerable<int> bodyEnds)
    {
        var slices = new List<(int Start, int End)>();
        long tokenEnd = 0, chunkEnd = 0;
        int token = 0, chars = 0;
        if (CompletionIds.Length > 0) tokenEnd = FakeTokenizer.ByteLength(CompletionIds[0]);
        foreach (var end in bodyEnds)
        {
            if (end == int.MaxValue) chunkEnd = long.MaxValue;
            else if (end > chars)
            {
                chunkEnd += Encoding.UTF8.GetByteCount(Body.Text.AsSpan(chars, end - chars)); // counted piece by piece: bodies can be megabytes
                chars = end;
            }
            var start = token;
            while (token < CompletionIds.Length && tokenEnd <= chunkEnd)
                if (++token < CompletionIds.Length) tokenEnd += FakeTokenizer.ByteLength(CompletionIds[token]);
            slices.Add((start, token));
        }
        return slices;
    }

    /// <summary>Slices of about <paramref name="perChunk"/> tokens that each end on a character boundary, so each
    /// decodes to whole text (vLLM's detokenizer holds back a split character too); the EOS ends the last one.</summary>
    public List<(int Start, int End)> TextSlices(int perChunk = 4)
    {
        var bytes = Encoding.UTF8.GetBytes(Body.Text);
        var slices = new List<(int Start, int End)>();
        var bodyTokens = CompletionIds.Length - 1;
        int start = 0, offset = 0;
        for (var i = 0; i < bodyTokens; i++)
        {
            offset += FakeTokenizer.ByteLength(CompletionIds[i]);
            var whole = offset >= bytes.Length || (bytes[offset] & 0xC0) != 0x80;
            if (i + 1 - start >= perChunk && whole && i + 1 < bodyTokens)
            {
                slices.Add((start, i + 1));
                start = i + 1;
            }
        }
        slices.Add((start, CompletionIds.Length));
        return slices;
    }
}
