using System.Text.Json;
using ActorRollouts.Core.Model;

namespace ActorRollouts.Providers.OpenAI.Tests;

/// <summary>One recorded Responses API answer and what it says, read off the recording by hand. <see cref="Part"/> is
/// which answer of the file: the n-th response of a stream file that holds several back to back, or the entry of a
/// SessionRecords file. <see cref="ItemTypes"/> are the output items in output-index order; <see cref="Reasoning"/> is
/// how the readable reasoning summary starts.</summary>
public sealed record ResponsesCase(string Fixture, int Part, string ResponseId, ExpectedText? Content, string? Reasoning,
    string Finish, Usage Usage, string[] ItemTypes, params ToolCall[] Calls)
{
    public static ModelRequest Request(Uri baseUrl) =>
        Fixtures.Request(baseUrl) with { Endpoint = new Endpoint(baseUrl.ToString(), "gpt-5", "responses", "AR_PROVIDER_TEST_NO_KEY") };

    /// <summary>The parsed answer holds the text, reasoning, calls, finish reason, usage and output items recorded.</summary>
    public void Matches(ModelResponse r)
    {
        if (Content is null) Assert.Null(r.Assistant.Content);
        else Content.Matches(r.Assistant.Content);
        if (Reasoning is null) Assert.Null(r.Assistant.ReasoningContent);
        else Assert.StartsWith(Reasoning, r.Assistant.ReasoningContent);
        Assert.Equal(Calls, r.Assistant.ToolCalls ?? []);
        Assert.Equal((ResponseId, Finish, Usage), (r.ResponseId, r.FinishReason, r.Usage));
        Assert.Equal(ItemTypes, r.Assistant.ResponseItems!.Select(j => JsonDocument.Parse(j).RootElement.GetProperty("type").GetString()));
    }

    public override string ToString() => Part == 0 ? Fixture : $"{Fixture} #{Part}";
}
