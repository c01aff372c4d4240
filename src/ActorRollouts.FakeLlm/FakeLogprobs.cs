using System.Text;
using System.Text.Json.Nodes;

namespace ActorRollouts.FakeLlm;

/// <summary>The fake model's logprobs and their two wire shapes. Values are deterministic per (scenario, turn, token
/// position), in (-5, 0], and 32-bit floats written as <c>(double)value</c>: a reader that parses the double and casts
/// it to float gets the very float the server recorded, as with vLLM's float32 logprobs.</summary>
internal static class FakeLogprobs
{
    public static float[] For(int scenario, int turn, int count)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++) values[i] = Value(scenario, turn, i);
        return values;
    }

    public static float Value(int scenario, int turn, int position)
    {
        var k = (int)(Mix(((ulong)(uint)scenario << 42) ^ ((ulong)(uint)turn << 21) ^ (uint)position) % 5_000_000);
        return 0f - k / 1_000_000f; // 0f - …: never -0, which would print as "-0"
    }

    /// <summary>Chat Completions' <c>logprobs.content</c> for tokens [from, to): one entry per token, each with
    /// <paramref name="top"/> alternatives, the sampled token first.</summary>
    public static JsonObject ChatContent(int[] ids, float[] values, int from, int to, int top, bool asTokenIds)
    {
        var content = new JsonArray();
        for (var i = from; i < to; i++)
        {
            var alternatives = new JsonArray();
            foreach (var (id, value) in Top(ids[i], values[i], i, top))
                alternatives.Add(new JsonObject { ["token"] = Display(id, asTokenIds), ["logprob"] = (double)value, ["bytes"] = Bytes(id) });
            content.Add(new JsonObject
            {
                ["token"] = Display(ids[i], asTokenIds), ["logprob"] = (double)values[i], ["bytes"] = Bytes(ids[i]), ["top_logprobs"] = alternatives,
            });
        }
        return new JsonObject { ["content"] = content };
    }

    /// <summary>Completions' <c>logprobs</c> for tokens [from, to): tokens, token_logprobs, top_logprobs (a map of the
    /// sampled token and <paramref name="top"/> alternatives, as vLLM gives K + 1) and text_offset (vLLM's: the running sum
    /// of the displayed tokens' lengths in code points).</summary>
    public static JsonObject Completion(int[] ids, float[] values, int from, int to, int top, bool asTokenIds)
    {
        var offset = 0;
        for (var i = 0; i < from; i++) offset += Display(ids[i], asTokenIds).EnumerateRunes().Count();
        JsonArray tokens = [], logprobs = [], tops = [], offsets = [];
        for (var i = from; i < to; i++)
        {
            var token = Display(ids[i], asTokenIds);
            tokens.Add(token);
            logprobs.Add((double)values[i]);
            var map = new JsonObject();
            foreach (var (id, value) in Top(ids[i], values[i], i, top + 1)) map[Display(id, asTokenIds)] = (double)value;
            tops.Add(map);
            offsets.Add(offset);
            offset += token.EnumerateRunes().Count();
        }
        return new JsonObject { ["tokens"] = tokens, ["token_logprobs"] = logprobs, ["top_logprobs"] = tops, ["text_offset"] = offsets };
    }

    public static string Display(int id, bool asTokenIds) => asTokenIds ? $"token_id:{id}" : FakeTokenizer.TokenText(id);

    /// <summary>The sampled token, then count - 1 others: single letters other than it, each well below it.</summary>
    private static IEnumerable<(int Id, float Value)> Top(int sampled, float value, int position, int count)
    {
        if (count <= 0) yield break;
        yield return (sampled, value);
        for (int j = 1, letter = position % 26; j < count; j++, letter = (letter + 1) % 26)
        {
            var id = FakeTokenizer.SingleByteBase + 'a' + letter;
            if (id == sampled) id = FakeTokenizer.SingleByteBase + 'A' + letter;
            yield return (id, -5f - j);
        }
    }

    private static JsonArray Bytes(int id) => new(Encoding.UTF8.GetBytes(FakeTokenizer.TokenText(id)).Select(b => (JsonNode)(int)b).ToArray());

    /// <summary>SplitMix64's finaliser: a cheap, well-spread hash.</summary>
    private static ulong Mix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
