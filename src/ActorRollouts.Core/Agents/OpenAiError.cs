namespace ActorRollouts.Core.Agents;

/// <summary>The body of an OpenAI API error, <c>{"error": {"message", "type", "param", "code"}}</c>, which every SDK reads
/// into its exception.</summary>
public static class OpenAiError
{
    public static byte[] Body(string message, string type = "invalid_request_error", string? param = null, string? code = null) =>
        ChatAnswerWriter.Write(w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("error");
            w.WriteString("message", message);
            w.WriteString("type", type);
            w.WriteString("param", param);
            w.WriteString("code", code);
            w.WriteEndObject();
            w.WriteEndObject();
        });
}
