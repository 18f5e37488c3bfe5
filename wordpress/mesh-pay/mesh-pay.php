<?php
/**
 * Plugin Name:       Mesh Pay
 * Plugin URI:        https://github.com/mesh-pay/mesh-pay
 * Description:       A crypto pay button (Mesh Connect) for posts and pages: the [mesh_pay_button] shortcode and the "Mesh Pay button" block. Payments are created and confirmed by your Mesh Pay kit server.
 * Version:           0.1.0
 * Requires at least: 6.1
 * Requires PHP:      7.4
 * Author:            Mesh Pay
 * License:           GPL-2.0-or-later
 * License URI:       https://www.gnu.org/licenses/gpl-2.0.html
 * Text Domain:       mesh-pay
 *
 * @package MeshPay
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit;
}

define( 'MESH_PAY_VERSION', '0.1.0' );
define( 'MESH_PAY_PLUGIN_FILE', __FILE__ );

require_once __DIR__ . '/includes/settings.php';
require_once __DIR__ . '/includes/button-script.php';
require_once __DIR__ . '/includes/button-markup.php';
require_once __DIR__ . '/includes/shortcode.php';

add_action( 'init', 'mesh_pay_register_button_script' );
add_action( 'init', 'mesh_pay_register_shortcode' );
add_action( 'init', 'mesh_pay_register_block' );
add_action( 'admin_init', 'mesh_pay_register_settings' );
add_action( 'admin_menu', 'mesh_pay_add_settings_page' );
add_filter( 'plugin_action_links_' . plugin_basename( __FILE__ ), 'mesh_pay_settings_link' );

/** The block's metadata, attributes and server rendering live in blocks/button/. */
function mesh_pay_register_block() {
	register_block_type( __DIR__ . '/blocks/button' );
}
