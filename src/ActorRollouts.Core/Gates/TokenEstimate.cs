using System.Runtime.InteropServices;
using ActorRollouts.Core.Model;

namespace ActorRollouts.Core.Gates;

/// <summary>A rough token count of a request before it is sent (about four characters a token, plus room for the
/// answer), for the gate's tokens-per-minute budget. The reported usage corrects it afterwards.</summary>
public static class TokenEstimate
{
    public const int AnswerAllowance = 256;

    public static long For(ModelRequest request)
    {
        long chars = request.Messages.Sum(m => (m.Content?.Length ?? 0) + (m.ToolCalls?.Sum(c => c.Name.Length + c.Arguments.Length) ?? 0));
        chars += request.Tools.Sum(t => t.Name.Length + t.Description.Length + JsonMarshal.GetRawUtf8Value(t.ParametersSchema).Length);
        return chars / 4 + AnswerAllowance;
    }
}
