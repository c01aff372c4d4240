namespace ActorRollouts.FakeLlm;

/// <summary>A ChatML prompt read back into its messages, as <c>/v1/completions</c> needs to pick the scripted turn:
/// blocks <c>&lt;|im_start|&gt;ROLE\n…&lt;|im_end|&gt;</c>; a user block whose body starts with <c>&lt;tool_response&gt;</c>
/// is a tool message; an unterminated block (the generation prompt) is not a message yet.</summary>
internal sealed record ChatMlTranscript(string FirstUserMessage, int AssistantTurns)
{
    public static ChatMlTranscript Parse(string text)
    {
        string? firstUser = null;
        var assistants = 0;
        foreach (var block in text.Split(FakeTokenizer.SpecialTexts[FakeTokenizer.ImStart]).Skip(1))
        {
            var newline = block.IndexOf('\n');
            var end = block.IndexOf(FakeTokenizer.SpecialTexts[FakeTokenizer.ImEnd], StringComparison.Ordinal);
            if (newline < 0 || end < newline) continue; // no role line, or still open
            var (role, body) = (block[..newline], block[(newline + 1)..end]);
            if (role == "assistant") assistants++;
            else if (role == "user" && firstUser is null && !body.StartsWith("<tool_response>", StringComparison.Ordinal)) firstUser = body;
        }
        return new ChatMlTranscript(firstUser ?? "", assistants);
    }
}
