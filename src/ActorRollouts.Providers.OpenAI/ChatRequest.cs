using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Json;
using OpenAI;
using OpenAI.Chat;

namespace ActorRollouts.Providers.OpenAI;

/// <summary>A streamed Chat Completions call through the SDK's protocol method: the request body written here into
/// pooled blocks, every message as the SDK's own types write it, the answer read as the SDK's stream updates. The typed
/// method builds the body in one contiguous buffer and writes each tool call's arguments through a UTF-16 string and a
/// scratch buffer six times their length: for a model that wrote a 20 MB file, about 300 MB for its next request. Here
/// an assistant turn with large arguments is written from their UTF-8, in bounded pieces. A test holds this body equal
/// to the typed method's for the same request.</summary>
internal static class ChatRequest
{
    /// <summary>As the SDK writes its requests: non-ASCII text and markup characters as they are.</summary>
    private static readonly JsonWriterOptions SdkWriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The answer's chunks, each the JSON of one server-sent event, up to <c>[DONE]</c>; not
    /// <paramref name="stream"/>ed, the whole completion as one (its choice has a <c>message</c> where a chunk's has a
    /// <c>delta</c>: <see cref="ChatChunkReader"/> reads both).</summary>
    public static async IAsyncEnumerable<byte[]> StreamAsync(ChatClient chat, ModelRequest request,
        int largeArguments, bool stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ClientResult result;
        using (var content = Body(request, largeArguments, stream)) // sent by the time the answer's headers are back
            result = await chat.CompleteChatAsync(content, new RequestOptions { BufferResponse = !stream, CancellationToken = cancellationToken });
        using var response = result.GetRawResponse();
        if (!stream)
        {
            yield return response.Content.ToArray();
            yield break;
        }
        var events = SseParser.Create(response.ContentStream!, static (_, data) => data.ToArray());
        await foreach (var item in events.EnumerateAsync(cancellationToken))
        {
            if (item.Data.AsSpan().SequenceEqual("[DONE]"u8)) yield break;
            yield return item.Data;
        }
    }

    /// <summary>The body, written into pooled blocks. An ordinary one is copied out at its size and its blocks go back at
    /// once (thousands of requests wait for their answers at a time); a large one is sent from its blocks, given back
    /// when the content is disposed.</summary>
    private static BinaryContent Body(ModelRequest request, int largeArguments, bool stream) =>
        JsonContent(writer => WriteBody(writer, request, largeArguments, stream));

    /// <summary>A JSON request body written by <paramref name="write"/> into pooled blocks, large string values escaped
    /// straight into them: every request we write ourselves (chat, <c>/tokenize</c>, completions) goes through here.</summary>
    internal static BinaryContent JsonContent(Action<Utf8JsonWriter> write)
    {
        var body = PooledBuffers.Streams.GetStream(nameof(ChatRequest));
        using (var writer = new Utf8JsonWriter((System.Buffers.IBufferWriter<byte>)body, SdkWriterOptions))
        using (DirectStringValues.Into(body, writer))
            write(writer);
        if (body.Length > LargeBody)
        {
            body.Position = 0;
            return BinaryContent.Create(body);
        }
        using (body) return BinaryContent.Create(new BinaryData(body.ToArray()));
    }

    private const int LargeBody = 1 << 20;

    /// <summary>What <see cref="ChatClient.CompleteChatStreamingAsync(IEnumerable{ChatMessage}, ChatCompletionOptions, CancellationToken)"/>
    /// sends for <see cref="ChatConversions.ToOptions"/>: every message as the SDK writes it, except assistant turns
    /// with arguments above <paramref name="largeArguments"/> bytes, written here with those arguments in bounded pieces.</summary>
    internal static void WriteBody(Utf8JsonWriter writer, ModelRequest request, int largeArguments, bool stream = true)
    {
        var endpoint = request.Endpoint;
        var extra = endpoint.ExtraBody ?? System.Collections.Immutable.ImmutableSortedDictionary<string, JsonElement>.Empty;
        // The SDK's order: the options it has set, messages among them; an extra body field replaces a field of the same name.
        writer.WriteStartObject();
        if (endpoint.Temperature is { } temperature && !extra.ContainsKey("temperature")) writer.WriteNumber("temperature", (float)temperature);
        WriteMessages(writer, request.Messages, largeArguments);
        writer.WriteString("model", endpoint.Model);
        if (endpoint.MaxOutputTokens is { } max && !extra.ContainsKey("max_completion_tokens")) writer.WriteNumber("max_completion_tokens", max);
        writer.WriteBoolean("stream", stream);
        if (stream)
        {
            writer.WriteStartObject("stream_options");
            writer.WriteBoolean("include_usage", true);
            writer.WriteEndObject();
        }
        WriteTools(writer, request.Tools);
        if (endpoint.RecordsTokens) WriteTokenFields(writer, endpoint, extra);
        foreach (var (key, value) in extra)
        {
            writer.WritePropertyName(key);
            writer.WriteRawValue(JsonMarshal.GetRawUtf8Value(value), skipInputValidation: true);
        }
        writer.WriteEndObject();
    }

    /// <summary>The <c>messages</c> array: every message as the SDK writes it, except assistant turns with arguments above
    /// <paramref name="largeArguments"/> bytes, written here with those arguments in bounded pieces.</summary>
    internal static void WriteMessages(Utf8JsonWriter writer, IEnumerable<Message> messages, int largeArguments)
    {
        writer.WriteStartArray("messages");
        foreach (var message in messages)
        {
            if (message.ToolCalls?.Any(c => c.Arguments.Length > largeArguments) == true) WriteAssistant(writer, message);
            else ((IJsonModel<ChatMessage>)ChatConversions.ToChatMessage(message)).Write(writer, ModelReaderWriterOptions.Json);
        }
        writer.WriteEndArray();
    }

    /// <summary>The <c>tools</c> array (nothing when there are none), each schema as declared.</summary>
    internal static void WriteTools(Utf8JsonWriter writer, IReadOnlyCollection<ToolSpec> tools)
    {
        if (tools.Count == 0) return;
        writer.WriteStartArray("tools");
        foreach (var tool in tools)
        {
            writer.WriteStartObject();
            writer.WriteString("type", "function");
            writer.WriteStartObject("function");
            writer.WriteString("description", tool.Description);
            writer.WriteString("name", tool.Name);
            writer.WritePropertyName("parameters");
            writer.WriteRawValue(JsonMarshal.GetRawUtf8Value(tool.ParametersSchema), skipInputValidation: true); // as declared, whitespace too; its own bytes, no string per request
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }

    /// <summary>What a vLLM-compatible server needs to report tokens: the sampled tokens' log probabilities (and
    /// alternatives), the prompt's and the completion's ids, and a prefix-cache salt per policy version, so its cache never
    /// serves one version's KV to another's request. An extra body field of the same name wins.</summary>
    private static void WriteTokenFields(Utf8JsonWriter writer, Endpoint endpoint, System.Collections.Immutable.ImmutableSortedDictionary<string, JsonElement> extra)
    {
        if (!extra.ContainsKey("logprobs")) writer.WriteBoolean("logprobs", true);
        if (endpoint.TopLogprobs > 0 && !extra.ContainsKey("top_logprobs")) writer.WriteNumber("top_logprobs", endpoint.TopLogprobs);
        WriteIdsAndSalt(writer, endpoint, extra);
    }

    /// <summary>Every token request (chat or completions) asks for the ids and carries the policy version's cache salt.</summary>
    internal static void WriteIdsAndSalt(Utf8JsonWriter writer, Endpoint endpoint, System.Collections.Immutable.ImmutableSortedDictionary<string, JsonElement> extra)
    {
        if (!extra.ContainsKey("return_token_ids")) writer.WriteBoolean("return_token_ids", true);
        if (!extra.ContainsKey("cache_salt")) writer.WriteString("cache_salt", endpoint.CacheSalt);
    }

    private static void WriteAssistant(Utf8JsonWriter writer, Message message)
    {
        writer.WriteStartObject();
        writer.WriteString("role", Roles.Assistant);
        if (!string.IsNullOrEmpty(message.Content)) writer.WriteString("content", message.Content);
        writer.WriteStartArray("tool_calls");
        foreach (var call in message.ToolCalls!)
        {
            writer.WriteStartObject();
            writer.WriteString("id", call.Id);
            writer.WriteString("type", "function");
            writer.WriteStartObject("function");
            writer.WriteString("name", call.Name);
            writer.WritePropertyName("arguments");
            ToolArgumentsJsonConverter.WriteValue(writer, call.Arguments.Utf8.Span);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
