/*
 * collection.yar - flowgate capability rules: gathering a user's data (keystrokes, the screen,
 * the clipboard).  With a network capability, any rule in a collection/ namespace makes
 * `flowgate analyze` answer "can exfiltrate data: yes".  Conventions: see communication.yar.
 */
import "pe"
import "elf"

rule keylog_hook_pe
{
    meta:
        capability = "log keystrokes"
        namespace = "collection/keylog"
        attack = "T1056.001"
        description = "installs a Windows hook (SetWindowsHookEx, as with WH_KEYBOARD_LL) and translates keys"
    strings:
        $api1 = "SetWindowsHookExA" ascii fullword
        $api2 = "SetWindowsHookExW" ascii fullword
        $key1 = "GetKeyboardState" ascii fullword
        $key2 = "ToUnicode" ascii fullword
        $key3 = "ToAscii" ascii fullword
        $key4 = "MapVirtualKeyA" ascii fullword
        $key5 = "MapVirtualKeyW" ascii fullword
        $key6 = "GetKeyNameTextA" ascii fullword
        $key7 = "GetKeyNameTextW" ascii fullword
        $key8 = "ToUnicodeEx" ascii fullword
        $key9 = "ToAsciiEx" ascii fullword
        $key10 = "MapVirtualKeyExA" ascii fullword
        $key11 = "MapVirtualKeyExW" ascii fullword
    condition:
        pe.is_pe and any of ($api*) and any of ($key*) and
        pe.imports(/^user32\.dll$/i, /^SetWindowsHookEx[AW]$/) > 0 and
        pe.imports(/^user32\.dll$/i,
                   /^(GetKeyboardState|ToUnicode(Ex)?|ToAscii(Ex)?|MapVirtualKey(Ex)?[AW]|GetKeyNameText[AW])$/) > 0
}

rule keylog_polling_pe
{
    meta:
        capability = "log keystrokes"
        namespace = "collection/keylog"
        attack = "T1056.001"
        description = "polls the state of keys (GetAsyncKeyState) and notes which window has the focus"
    strings:
        $api1 = "GetAsyncKeyState" ascii fullword
        $win1 = "GetForegroundWindow" ascii fullword
        $win2 = "GetWindowTextA" ascii fullword
        $win3 = "GetWindowTextW" ascii fullword
    condition:
        pe.is_pe and $api1 and any of ($win*) and
        pe.imports(/^user32\.dll$/i, /^GetAsyncKeyState$/) > 0 and
        pe.imports(/^user32\.dll$/i, /^(GetForegroundWindow|GetWindowText[AW])$/) > 0
}

rule keylog_elf
{
    meta:
        capability = "log keystrokes"
        namespace = "collection/keylog"
        attack = "T1056.001"
        description = "reads keyboard input devices (/dev/input/event*) or records X11 keyboard events"
    strings:
        $dev1 = "/dev/input/event" ascii
        $dev2 = "/dev/input/by-path" ascii
        $dev3 = "/dev/input/by-id" ascii
        $kbd1 = "kbd" ascii
        $kbd2 = "keyboard" ascii nocase
        $x1 = "XRecordEnableContext" ascii fullword
        $x2 = "XQueryKeymap" ascii fullword
        $x3 = "XIGrabDevice" ascii fullword
    condition:
        uint32(0) == 0x464c457f and
        ((any of ($dev*) and any of ($kbd*)) or
         (any of ($x*) and
          (for any i in (0..elf.dynsym_entries - 1) :
              (elf.dynsym[i].name matches /^(XRecordEnableContext|XQueryKeymap)$/) or
           for any i in (0..elf.symtab_entries - 1) :
              (elf.symtab[i].name matches /^(XRecordEnableContext|XQueryKeymap)$/))))
}

rule screenshot_gdi_pe
{
    meta:
        capability = "capture the screen"
        namespace = "collection/screenshot"
        attack = "T1113"
        description = "copies the screen's device context into a bitmap (GetDC or CreateDC, BitBlt, GetDIBits)"
    strings:
        $api1 = "BitBlt" ascii fullword
        $api2 = "CreateCompatibleBitmap" ascii fullword
        $dc1 = "GetDC" ascii fullword
        $dc2 = "GetWindowDC" ascii fullword
        $dc3 = "CreateDCA" ascii fullword
        $dc4 = "CreateDCW" ascii fullword
        $dc5 = "GetDesktopWindow" ascii fullword
        $out1 = "GetDIBits" ascii fullword
        $out2 = "GdipSaveImageToFile" ascii fullword
        $out3 = "GdipSaveImageToStream" ascii fullword
        $out4 = "GdipCreateBitmapFromHBITMAP" ascii fullword
    condition:
        pe.is_pe and all of ($api*) and any of ($dc*) and any of ($out*) and
        pe.imports(/^gdi32\.dll$/i, /^BitBlt$/) > 0 and
        pe.imports(/^(user32|gdi32)\.dll$/i, /^(GetDC|GetWindowDC|CreateDC[AW])$/) > 0
}

rule screenshot_elf
{
    meta:
        capability = "capture the screen"
        namespace = "collection/screenshot"
        attack = "T1113"
        description = "grabs the X11 root window (XGetImage, XShmGetImage) or runs a screenshot tool"
    strings:
        $x1 = "XGetImage" ascii fullword
        $x2 = "XShmGetImage" ascii fullword
        $x3 = "gdk_pixbuf_get_from_window" ascii fullword
        $root = "XRootWindow" ascii fullword
        $root2 = "XDefaultRootWindow" ascii fullword
        $root3 = "gdk_get_default_root_window" ascii fullword
        $tool1 = /\bimport +-window +root\b/ ascii
        $tool2 = /\bxwd +-root\b/ ascii
        $tool3 = /\b(scrot|gnome-screenshot|grim|maim)( +-|$| +\/)/ ascii
    condition:
        uint32(0) == 0x464c457f and
        ((any of ($x*) and any of ($root*)) or any of ($tool*))
}

rule clipboard_pe
{
    meta:
        capability = "read the clipboard"
        namespace = "collection/clipboard"
        attack = "T1115"
        description = "opens the clipboard and reads its data (OpenClipboard, GetClipboardData)"
    strings:
        $api1 = "GetClipboardData" ascii fullword
        $api2 = "OpenClipboard" ascii fullword
    condition:
        pe.is_pe and all of them and
        pe.imports(/^user32\.dll$/i, /^GetClipboardData$/) > 0
}

rule clipboard_elf
{
    meta:
        capability = "read the clipboard"
        namespace = "collection/clipboard"
        attack = "T1115"
        description = "reads the X11 or Wayland clipboard (xclip -o, xsel, wl-paste, GTK clipboard calls)"
    strings:
        $cmd1 = /\bxclip\b[^\r\n\x00]{0,40} -o\b/ ascii
        $cmd2 = /\bxsel +(-[a-z]*o|--output)/ ascii
        $cmd3 = "wl-paste" ascii fullword
        $api1 = "gtk_clipboard_wait_for_text" ascii fullword
        $api2 = "XConvertSelection" ascii fullword
        $sel = "CLIPBOARD" ascii fullword
    condition:
        uint32(0) == 0x464c457f and
        (any of ($cmd*) or $api1 or ($api2 and $sel))
}
