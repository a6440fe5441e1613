// SPDX-License-Identifier: LGPL-2.1-or-later
// The console's words, one table per language (Vietnamese first, the
// default), and the helpers that put them on the page.  Elements carrying
// data-i18n="key" are translated by translatePage(); modules call t().

const STRINGS = {
  vi: {
    'app.title': 'wardbridge — Bảng điều khiển',
    'app.subtitle': 'Hội nghị trực tuyến TP Thái Nguyên',
    'lang.other': 'English',
    'signin.title': 'Đăng nhập',
    'signin.token': 'Mã truy cập (token)',
    'signin.hint': 'Mã chỉ được giữ trong phiên trình duyệt này.',
    'signin.submit': 'Đăng nhập',
    'signin.out': 'Đăng xuất',
    'signin.empty': 'Hãy nhập mã truy cập.',
    'signin.wrong': 'Mã truy cập không đúng. Hãy kiểm tra và nhập lại.',
    'signin.role': 'Mã này không có quyền dùng bảng điều khiển (cần quyền quản trị hoặc xếp lịch).',
    'signin.unreachable': 'Không kết nối được tới máy chủ hội nghị.',
    'nav.board': 'Các phường',
    'nav.conference': 'Hội nghị',
    'nav.calendar': 'Lịch họp',
    'nav.history': 'Lịch sử',
    'stream.live': 'Đang cập nhật trực tiếp',
    'stream.down': 'Mất kết nối sự kiện, đang thử lại…',
    'board.title': 'Trạng thái 32 phường, xã',
    'board.summary': '{live} đang trong hội nghị · {idle} sẵn sàng · {offline} ngoại tuyến',
    'board.talking': 'Đang nói',
    'board.muted': 'Đã tắt tiếng',
    'board.loss': 'Mất gói',
    'board.jitter': 'Dao động',
    'state.offline': 'Ngoại tuyến',
    'state.idle': 'Sẵn sàng',
    'state.invited': 'Đã mời',
    'state.joining': 'Đang vào',
    'state.live': 'Trực tiếp',
    'state.stalled': 'Mất tín hiệu',
    'state.starting': 'Đang bắt đầu',
    'state.running': 'Đang diễn ra',
    'state.ending': 'Đang kết thúc',
    'state.ended': 'Đã kết thúc',
    'state.scheduled': 'Đã lên lịch',
    'state.cancelled': 'Đã huỷ',
    'state.missed': 'Bị lỡ',
    'layout.grid': 'Lưới',
    'layout.speaker': 'Người nói',
    'layout.presenter': 'Người trình bày',
    'layout.single': 'Một khung hình',
    'conf.title': 'Hội nghị đang diễn ra',
    'conf.none': 'Hiện không có hội nghị nào.',
    'conf.snapshot': 'Hình ảnh tổng hợp trực tiếp',
    'conf.snapshot.wait': 'Đang chờ hình ảnh…',
    'conf.presenter': 'Người trình bày',
    'conf.presenter.none': '(không ghim)',
    'conf.apply': 'Áp dụng',
    'conf.end': 'Kết thúc hội nghị',
    'conf.participants': 'Thành phần tham dự',
    'conf.started': 'Bắt đầu lúc {time}',
    'conf.mute': 'Tắt tiếng',
    'conf.unmute': 'Bật tiếng',
    'conf.start.title': 'Bắt đầu hội nghị ngay',
    'conf.start.submit': 'Bắt đầu',
    'conf.busy': 'Có phường, xã đang ở trong một hội nghị khác.',
    'col.ward': 'Phường, xã',
    'col.state': 'Trạng thái',
    'col.audio': 'Âm thanh',
    'col.action': 'Thao tác',
    'col.joined': 'Vào lúc',
    'col.left': 'Rời lúc',
    'col.talk': 'Thời gian phát biểu',
    'col.when': 'Thời điểm',
    'col.who': 'Người thực hiện',
    'col.what': 'Thao tác',
    'col.target': 'Đối tượng',
    'col.result': 'Kết quả',
    'audio.on': 'Bật',
    'audio.muted': 'Đã tắt tiếng',
    'form.title': 'Tiêu đề',
    'form.wards': 'Phường, xã tham dự',
    'form.all': 'Tất cả 32 phường, xã',
    'form.pick': 'Hoặc chọn (giữ Ctrl để chọn nhiều)',
    'form.layout': 'Bố cục',
    'form.record': 'Ghi hình',
    'cal.title': 'Lịch họp trong tuần',
    'cal.prev': '‹ Tuần trước',
    'cal.next': 'Tuần sau ›',
    'cal.today': 'Tuần này',
    'cal.days': ['Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy', 'Chủ Nhật'],
    'book.new': 'Đặt lịch họp',
    'book.edit': 'Sửa lịch họp',
    'book.date': 'Ngày',
    'book.start': 'Bắt đầu',
    'book.end': 'Kết thúc',
    'book.create': 'Đặt lịch',
    'book.save': 'Lưu thay đổi',
    'book.extend': 'Kéo dài 30 phút',
    'book.cancel': 'Huỷ lịch',
    'book.clear': 'Lịch mới',
    'book.created': 'Đã đặt lịch «{title}».',
    'book.saved': 'Đã lưu «{title}».',
    'book.cancelled': 'Đã huỷ «{title}».',
    'book.conflict': 'Trùng lịch: các phường, xã này đã có cuộc họp khác trong khung giờ đó.',
    'book.conflict.item': '«{title}» ({when}): {wards}',
    'book.invalid': 'Thông tin chưa hợp lệ:',
    'book.wards.more': 'và {n} phường, xã khác',
    'hist.title': 'Điểm danh và nhật ký',
    'hist.conference': 'Hội nghị',
    'hist.show': 'Xem điểm danh',
    'hist.attendance': 'Điểm danh',
    'hist.audit': 'Nhật ký thao tác',
    'hist.none': 'Chưa có hội nghị nào đã diễn ra.',
    'hist.still': 'đang tham dự',
    'hist.absent': 'Không tham dự',
    'field.title': 'Tiêu đề',
    'field.start': 'Giờ bắt đầu',
    'field.end': 'Giờ kết thúc',
    'field.endpoints': 'Phường, xã',
    'field.layout': 'Bố cục',
    'field.record': 'Ghi hình',
    'field.presenter': 'Người trình bày',
    'err.generic': 'Máy chủ từ chối yêu cầu ({status}): {detail}',
    'err.network': 'Không kết nối được tới máy chủ hội nghị.',
    'err.forbidden': 'Mã truy cập này không có quyền làm việc này.',
  },
  en: {
    'app.title': 'wardbridge — Console',
    'app.subtitle': 'Thai Nguyen city conference hub',
    'lang.other': 'Tiếng Việt',
    'signin.title': 'Sign in',
    'signin.token': 'Access token',
    'signin.hint': 'The token is kept for this browser session only.',
    'signin.submit': 'Sign in',
    'signin.out': 'Sign out',
    'signin.empty': 'Enter an access token.',
    'signin.wrong': 'This access token is not valid. Check it and try again.',
    'signin.role': 'This token may not use the console (it needs the admin or scheduler role).',
    'signin.unreachable': 'The conference hub cannot be reached.',
    'nav.board': 'Wards',
    'nav.conference': 'Conference',
    'nav.calendar': 'Calendar',
    'nav.history': 'History',
    'stream.live': 'Live updates on',
    'stream.down': 'Event stream lost, reconnecting…',
    'board.title': 'The 32 wards and communes',
    'board.summary': '{live} in a conference · {idle} ready · {offline} offline',
    'board.talking': 'Talking',
    'board.muted': 'Muted',
    'board.loss': 'Loss',
    'board.jitter': 'Jitter',
    'state.offline': 'Offline',
    'state.idle': 'Ready',
    'state.invited': 'Invited',
    'state.joining': 'Joining',
    'state.live': 'Live',
    'state.stalled': 'Signal lost',
    'state.starting': 'Starting',
    'state.running': 'Running',
    'state.ending': 'Ending',
    'state.ended': 'Ended',
    'state.scheduled': 'Scheduled',
    'state.cancelled': 'Cancelled',
    'state.missed': 'Missed',
    'layout.grid': 'Grid',
    'layout.speaker': 'Active speaker',
    'layout.presenter': 'Presenter',
    'layout.single': 'Single',
    'conf.title': 'Running conference',
    'conf.none': 'No conference is running.',
    'conf.snapshot': 'Live composite',
    'conf.snapshot.wait': 'Waiting for the picture…',
    'conf.presenter': 'Presenter',
    'conf.presenter.none': '(none pinned)',
    'conf.apply': 'Apply',
    'conf.end': 'End conference',
    'conf.participants': 'Participants',
    'conf.started': 'Started at {time}',
    'conf.mute': 'Mute',
    'conf.unmute': 'Unmute',
    'conf.start.title': 'Start a conference now',
    'conf.start.submit': 'Start',
    'conf.busy': 'A ward is already in another conference.',
    'col.ward': 'Ward',
    'col.state': 'State',
    'col.audio': 'Audio',
    'col.action': 'Action',
    'col.joined': 'Joined',
    'col.left': 'Left',
    'col.talk': 'Talk time',
    'col.when': 'When',
    'col.who': 'Who',
    'col.what': 'Action',
    'col.target': 'Target',
    'col.result': 'Result',
    'audio.on': 'On',
    'audio.muted': 'Muted',
    'form.title': 'Title',
    'form.wards': 'Wards taking part',
    'form.all': 'All 32 wards',
    'form.pick': 'Or pick some (hold Ctrl for several)',
    'form.layout': 'Layout',
    'form.record': 'Record',
    'cal.title': 'Bookings this week',
    'cal.prev': '‹ Previous week',
    'cal.next': 'Next week ›',
    'cal.today': 'This week',
    'cal.days': ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'],
    'book.new': 'Book a meeting',
    'book.edit': 'Change a booking',
    'book.date': 'Date',
    'book.start': 'Start',
    'book.end': 'End',
    'book.create': 'Book',
    'book.save': 'Save changes',
    'book.extend': 'Extend by 30 minutes',
    'book.cancel': 'Cancel booking',
    'book.clear': 'New booking',
    'book.created': 'Booked “{title}”.',
    'book.saved': 'Saved “{title}”.',
    'book.cancelled': 'Cancelled “{title}”.',
    'book.conflict': 'Clash: these wards already have another meeting in that slot.',
    'book.conflict.item': '“{title}” ({when}): {wards}',
    'book.invalid': 'Some details are not valid:',
    'book.wards.more': 'and {n} more',
    'hist.title': 'Attendance and audit log',
    'hist.conference': 'Conference',
    'hist.show': 'Show attendance',
    'hist.attendance': 'Attendance',
    'hist.audit': 'Audit log',
    'hist.none': 'No conference has taken place yet.',
    'hist.still': 'still in',
    'hist.absent': 'Did not attend',
    'field.title': 'Title',
    'field.start': 'Start',
    'field.end': 'End',
    'field.endpoints': 'Wards',
    'field.layout': 'Layout',
    'field.record': 'Record',
    'field.presenter': 'Presenter',
    'err.generic': 'The hub refused the request ({status}): {detail}',
    'err.network': 'The conference hub cannot be reached.',
    'err.forbidden': 'This token may not do that.',
  },
};

const LANG_KEY = 'wardbridge.lang';
let current = 'vi';
const listeners = new Set();

function readSavedLanguage() {
  try {
    const saved = localStorage.getItem(LANG_KEY);
    return saved in STRINGS ? saved : 'vi';
  } catch {
    return 'vi';
  }
}

current = readSavedLanguage();

export function language() {
  return current;
}

// The locale for dates and numbers.
export function locale() {
  return current === 'vi' ? 'vi-VN' : 'en-GB';
}

// t('board.summary', {live: 3}) -> the current language's text.
export function t(key, params = {}) {
  const table = STRINGS[current];
  let text = key in table ? table[key] : STRINGS.vi[key];
  if (text === undefined)
    return key;
  if (typeof text !== 'string')
    return text;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

export function translatePage(root = document) {
  document.documentElement.lang = current;
  for (const el of root.querySelectorAll('[data-i18n]'))
    el.textContent = t(el.dataset.i18n);
}

export function setLanguage(lang) {
  if (!(lang in STRINGS) || lang === current)
    return;
  current = lang;
  try {
    localStorage.setItem(LANG_KEY, lang);
  } catch {
    // Storage refused (private mode): the choice lasts for this page only.
  }
  translatePage();
  for (const fn of listeners)
    fn(lang);
}

// Views re-render their dynamic parts when the language changes.
export function onLanguageChange(fn) {
  listeners.add(fn);
}
