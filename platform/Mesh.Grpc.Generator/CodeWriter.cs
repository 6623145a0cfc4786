using System.Text;

namespace Mesh.Grpc.Generator;

/// <summary>Appends lines of C# with the current indentation; braces indent and dedent.</summary>
public sealed class CodeWriter
{
    private const string IndentUnit = "    ";
    private readonly StringBuilder _text = new();
    private int _depth;

    public CodeWriter Line(string line = "")
    {
        if (line.Length > 0)
        {
            for (var i = 0; i < _depth; i++) _text.Append(IndentUnit);
            _text.Append(line);
        }
        _text.Append('\n');
        return this;
    }

    /// <summary>Writes <paramref name="header"/> then an opening brace, and indents.</summary>
    public CodeWriter Open(string header)
    {
        Line(header);
        Line("{");
        _depth++;
        return this;
    }

    public CodeWriter Close(string suffix = "")
    {
        if (_depth == 0) throw new InvalidOperationException("Close without Open");
        _depth--;
        return Line("}" + suffix);
    }

    public override string ToString() => _text.ToString();
}
