//! Reading Server-Sent Events as a client (federation pullers, `dragnet tail`): frames out of
//! a byte stream as it arrives.

/// One Server-Sent Events frame.
#[derive(Debug, Default, PartialEq)]
pub struct Frame {
    pub id: Option<String>,
    pub event: Option<String>,
    pub data: String,
}

/// Reads frames out of a byte stream as it arrives (`field: value` lines ending in CRLF, LF or
/// CR, a blank line ends a frame, `:` starts a comment).
#[derive(Debug, Default)]
pub struct SseParser {
    pending: Vec<u8>,
    frame: Frame,
    has_data: bool,
    /// The last line ended with CR: a LF right after it belongs to that line end.
    after_cr: bool,
}

impl SseParser {
    /// The frames completed by `bytes`; a partial frame waits for the next call.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Frame> {
        self.pending.extend_from_slice(bytes);
        let mut out = Vec::new();
        loop {
            if self.after_cr && !self.pending.is_empty() {
                if self.pending[0] == b'\n' {
                    self.pending.drain(..1);
                }
                self.after_cr = false;
            }
            let Some(end) = self.pending.iter().position(|b| matches!(b, b'\n' | b'\r')) else { break };
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            self.after_cr = line[end] == b'\r';
            let line = String::from_utf8_lossy(&line[..end]);
            let line = line.as_ref();
            if line.is_empty() {
                let frame = std::mem::take(&mut self.frame);
                if self.has_data || frame.event.is_some() {
                    out.push(frame);
                }
                self.has_data = false;
                continue;
            }
            if line.starts_with(':') {
                continue;
            }
            let (field, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "id" => self.frame.id = Some(value.to_string()),
                "event" => self.frame.event = Some(value.to_string()),
                "data" => {
                    if self.has_data {
                        self.frame.data.push('\n');
                    }
                    self.frame.data.push_str(value);
                    self.has_data = true;
                }
                _ => {}
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_read_across_chunks() {
        let mut p = SseParser::default();
        assert!(p.push(b": heartbeat\n\nid: ab").is_empty());
        assert!(p.push(b"c\nevent: report.cre").is_empty());
        let frames = p.push(b"ated\ndata: {\"x\":\ndata: 1}\r\n\n: heartbeat\n\nid: 2\ndata: x\ndata: y\n\n");
        assert_eq!(frames.len(), 2);
        assert_eq!(
            frames[0],
            Frame {
                id: Some("abc".into()),
                event: Some("report.created".into()),
                data: "{\"x\":\n1}".into()
            }
        );
        assert_eq!(frames[1], Frame { id: Some("2".into()), event: None, data: "x\ny".into() });
        // An event with no data is a frame; an id alone is not.
        let frames = p.push(b"event: error\n\nid: 3\n\n");
        assert_eq!(frames, vec![Frame { id: None, event: Some("error".into()), data: String::new() }]);
    }

    #[test]
    fn lines_may_end_in_cr_lf_or_crlf_split_anywhere() {
        let want = vec![
            Frame { id: Some("1".into()), event: Some("a".into()), data: "x\ny".into() },
            Frame { id: Some("2".into()), event: None, data: "z".into() },
        ];
        for text in [
            "id: 1\nevent: a\ndata: x\ndata: y\n\nid: 2\ndata: z\n\n",
            "id: 1\revent: a\rdata: x\rdata: y\r\rid: 2\rdata: z\r\r",
            "id: 1\r\nevent: a\r\ndata: x\r\ndata: y\r\n\r\nid: 2\r\ndata: z\r\n\r\n",
        ] {
            for split in 0..=text.len() {
                let mut p = SseParser::default();
                let mut frames = p.push(&text.as_bytes()[..split]);
                frames.extend(p.push(&text.as_bytes()[split..]));
                assert_eq!(frames, want, "{text:?} split at {split}");
            }
        }
    }
}
